from . import loop_card_liability
from . import loop_staff_kpi
