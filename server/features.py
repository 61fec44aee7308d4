"""Every feature package that plugs into the meeting, registered in one place.

Adding a feature: write its package (see docs/architecture.md, "Adding a feature"), then
add one line below.  The core, the protocol, the views, the minutes and the socket learn
its messages, commands, events, views and minutes section from the registry.
"""

from __future__ import annotations

from server.agenda import feature as agenda
from server.audio import feature as audio
from server.cafe import feature as cafe
from server.core.registry import add_scopes, register, set_scopes
from server.decisions import feature as decisions
from server.openspace import feature as openspace
from server.rooms import feature as rooms
from server.signals import feature as signals
from server.stack import feature as stack
from server.translations import feature as translations

register(stack.FEATURE)
register(agenda.FEATURE)
register(decisions.FEATURE)
register(signals.FEATURE)
register(rooms.FEATURE)
register(openspace.FEATURE)
register(cafe.FEATURE)
register(audio.FEATURE)
register(translations.FEATURE)
set_scopes(rooms.SCOPES)  # rooms are the meeting's scopes: each has its own stack and people
add_scopes(openspace.SCOPES)  # and Open Space's topic circles, while their slot runs (ids o<n>)
add_scopes(cafe.SCOPES)  # and World Café tables, while the café seats people (ids c<n>)
