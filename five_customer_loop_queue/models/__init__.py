from . import loop_engine_run
from . import loop_engine
