"""rebalancer-tui: whole-share ETF rebalancing for the terminal.

Importing the package must stay cheap and free of Textual and SciPy: the
engine and the price service are used headless, and the app's first frame
should not wait for the solver stack.
"""

__version__ = "0.1.0"
