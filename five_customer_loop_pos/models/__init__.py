from . import loop_card
from . import loop_pos_sync
from . import pos_order
from . import pos_order_line
from . import pos_payment_method
from . import pos_session
from . import res_partner
from . import res_users
