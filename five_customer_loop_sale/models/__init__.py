from . import loop_engine
from . import sale_order
