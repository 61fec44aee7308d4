"""Plaza's media process: audio over WebRTC (aiortc), routed by plans, forwarded as the speakers' Opus.

``python -m server.media`` (service.py), driven by Plaza over one websocket link per Plaza process;
never imported by the core or the hub.  It knows peers, source keys and plans, never tokens or names.

- forward.py: takes a publisher's Opus packets off its aiortc receiver (no jitter buffer, no decode)
  through two private attributes of aiortc 1.16.0, checked at start-up and by tests/test_media_forward.py.
- routing.py: sources (one publisher each), plans, the 8 slots of each listener, the fan-out.
- service.py: the link protocol, peers, ICE timeout, links that drop, stats, SIGTERM.
- testing.py: the process for tests and benchmarks, Plaza's side of the link, browser-like peers.

ICE on a venue LAN, and browsers' mDNS candidates (aioice 0.13.0, aiortc 1.16.0, read and tested here)
--------------------------------------------------------------------------------------------------
By default the media process offers host candidates only (``RTCConfiguration(iceServers=[])``): every
non-loopback address aioice finds (``aioice.ice.get_host_addresses``), or only PLAZA_MEDIA_ADDRESSES.
Its own candidates are plain addresses (aiortc does not hide them behind mDNS names).

Browsers do hide theirs: an offer's host candidates read ``<uuid>.local``.  What happens then:

- aioice *does* resolve ``.local`` names (aioice/mdns.py): a multicast query to 224.0.0.251:5353 from a
  socket bound to port 5353, one second at most per name.  The browser (Chrome answers for its own
  names) must be on the same link as the media process, and the Wi-Fi must pass multicast: venue
  Wi-Fi with client isolation, or a media process on another subnet, gets no answer.  A name that is
  not resolved is dropped.
- aiortc awaits that resolution inside ``setRemoteDescription``, so an unanswered name held every
  answer back one second.  The media process takes the ``.local`` candidates out of the offer and
  adds them (``pc.addIceCandidate``) after the answer has gone: answers take ~30 ms, not 1 s.
- ICE still succeeds with no remote candidate at all, through a peer-reflexive one: the browser (the
  offerer, controlling) sends its checks to the media process's host candidate; aioice learns the
  browser's address from the check (``Connection.check_incoming``), answers, checks back, and the
  browser nominates the pair.  What it needs: the browser reaches one of the media process's host
  addresses over UDP (choose PLAZA_MEDIA_ADDRESSES on the venue network; no firewall on UDP).
- The catch: an offer ending with ``a=end-of-candidates`` (Firefox writes it; Chrome does not) and no
  usable candidate makes aioice fail at once (``connect()`` with an empty check list and
  end-of-candidates), before the browser's first check can arrive.  The media process removes
  ``a=end-of-candidates`` from offers; a peer that never connects is closed after PLAZA_ICE_TIMEOUT
  (15 s) with state failed/ice_timeout instead.  Measured with aiortc peers whose candidates are
  renamed ``<uuid>.local``: with end-of-candidates left in, never connected; removed, connected in
  0.05-0.2 s (tests/test_media_engine.py, ``test_browsers_mdns_candidates_connect_...``).

Over the internet (remote participants behind NAT), set PLAZA_ICE_SERVERS to a STUN/TURN server list;
the same list goes to the browsers in ``welcome.ice_servers``.
"""
