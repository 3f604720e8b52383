from .demo import online_demo


def post_init_hook(env):
    """A database with demo data: its first store takes online bookings
    (Python: the demo's staff are users the main addon's demo creates)."""
    if env.ref("base.module_five_customer_loop_website").demo:
        online_demo.load(env)
