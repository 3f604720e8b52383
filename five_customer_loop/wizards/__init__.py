from . import loop_stage_move_wizard
from . import loop_card_wizard
from . import loop_card_liability_wizard
from . import loop_card_liability_line
from . import loop_rebook_wizard
from . import loop_staff_kpi_wizard
from . import loop_staff_kpi
