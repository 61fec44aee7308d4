"""The pure core: commands in, events out, state as the fold of events.

Nothing here imports asyncio, Starlette, Redis or aiortc; tests of this
package need no event loop.
"""
