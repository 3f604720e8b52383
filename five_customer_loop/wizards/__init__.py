from . import loop_stage_move_wizard
