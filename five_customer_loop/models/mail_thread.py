from odoo import models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        """Nothing to add when the loop's activities subscribed their users.

        ``mail.activity._loop_subscribe`` adds the followers of a batch of
        activities set-based, with Odoo's default subtypes, before creating
        them; ``mail.activity.create`` then asks once per user, which only
        queries (two queries per user and batch).
        """
        if self.env.context.get("loop_followers_added") and not subtype_ids:
            return True
        return super().message_subscribe(partner_ids, subtype_ids)
