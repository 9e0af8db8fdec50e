"""Care (养老助餐, 爱心帮扶, 关爱走访): fields and constraints only, one file per area.

- `register.py`: the people the community cares for, their households and care kinds;
- `meals.py`: meal points, their age bands (the rules as data), daily menus and orders;
- `deliveries.py`: each day's delivery runs, routes by grid, one delivery per order;
- `cards.py`: assistance cards (爱心帮扶卡), partner shops, redemptions, reconciliations, flags;
- `visits.py`: care visiting plans and the visits made.
- `events.py`: the one append-only timeline of the records above (orders, deliveries, cards…).
"""

from civicgrid.care.models.cards import *  # noqa: F403
from civicgrid.care.models.deliveries import *  # noqa: F403
from civicgrid.care.models.events import *  # noqa: F403
from civicgrid.care.models.meals import *  # noqa: F403
from civicgrid.care.models.register import *  # noqa: F403
from civicgrid.care.models.visits import *  # noqa: F403
