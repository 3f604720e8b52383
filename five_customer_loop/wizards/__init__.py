from . import loop_stage_move_wizard
from . import loop_card_wizard
from . import loop_card_liability_wizard
from . import loop_card_liability_line
