"""The pure core: decide and apply, no event loop."""

from __future__ import annotations

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.core import event as events
from server.core import meeting as m
from server.core import views
from server.core.errors import Rejection
from server.core.inputs import Inputs

PHONE = m.Actor(m.Role.PHONE)
FAC = m.Actor(m.Role.FACILITATOR)
SCREEN = m.Actor(m.Role.SCREEN)


def created() -> tuple[m.MeetingState, list[tuple[int, events.Event]]]:
    evs = m.create(
        meeting_id="mid", title="  Town  hall ", code="XK74PM", facilitator_secret="fs", screen_key="sk", now=100.0
    )
    log = [(1, evs[0])]
    return m.fold(log), log


def run(
    state: m.MeetingState, log: list[tuple[int, events.Event]], command: m.Command, actor: m.Actor, now: float = 200.0
) -> m.MeetingState:
    ids = {"participant_id": f"p{len(log)}", "token": f"t{len(log)}"} if isinstance(command, m.Join) else {}
    for ev in m.decide(state, command, actor, Inputs(now=now, **ids)):
        log.append((state.seq + 1, ev))
        state = m.fold([log[-1]], state)
    return state


def test_create_records_digests_not_secrets() -> None:
    """The log keeps digests of the facilitator and screen secrets, never the secrets."""
    state, log = created()
    assert state.title == "Town hall" and state.code == "XK74PM" and state.seq == 1
    assert m.secret_matches("fs", state.facilitator_digest) and not m.secret_matches("sk", state.facilitator_digest)
    assert "fs" not in log[0][1].to_dict().values() and "sk" not in log[0][1].to_dict().values()


def test_join_rename_remove_end() -> None:
    """A participant joins, is renamed by the facilitator, removed; the meeting ends."""
    state, log = created()
    state = run(state, log, m.Join(name="Ana"), PHONE)
    assert state.participant_for_token("t1").name == "Ana"  # type: ignore[union-attr]
    state = run(state, log, m.Rename(name="Ana B"), m.Actor(m.Role.PHONE, "p1"))
    state = run(state, log, m.RenameParticipant(participant_id="p1", name="Ana C"), FAC)
    assert state.participants["p1"].name == "Ana C"
    state = run(state, log, m.RemoveParticipant(participant_id="p1"), FAC)
    assert state.participants["p1"].removed
    assert state.participant_for_token("t1").removed  # type: ignore[union-attr]
    state = run(state, log, m.EndMeeting(), FAC)
    assert state.ended and state.seq == 6
    with pytest.raises(Rejection) as err:
        m.decide(state, m.Join(name="Late"), PHONE, Inputs(now=300.0, participant_id="p2", token="t2"))
    assert err.value.code == "meeting_ended"


@pytest.mark.parametrize(
    ("command", "actor", "code"),
    [
        (m.EndMeeting(), PHONE, "not_allowed"),
        (m.EndMeeting(), SCREEN, "not_allowed"),
        (m.RemoveParticipant(participant_id="p1"), PHONE, "not_allowed"),
        (m.RenameParticipant(participant_id="p1", name="X"), m.Actor(m.Role.PHONE, "p1"), "not_allowed"),
        (m.RemoveParticipant(participant_id="nobody"), FAC, "unknown_participant"),
        (m.Join(name="Again"), m.Actor(m.Role.PHONE, "p1"), "already_joined"),
        (m.Join(name="Fac"), FAC, "not_allowed"),
        (m.Join(name="\u200b\n\t"), PHONE, "bad_field"),
        (m.Join(name="x" * 41), PHONE, "bad_field"),
        (m.Rename(name="Ghost"), PHONE, "not_joined"),
        (m.Rename(name="Ghost"), FAC, "not_allowed"),
    ],
)
def test_rejections_carry_codes_and_change_nothing(command: m.Command, actor: m.Actor, code: str) -> None:
    """Commands beyond the role or the state are refused with a stable code."""
    state, log = created()
    state = run(state, log, m.Join(name="Ana"), PHONE)
    before = state
    with pytest.raises(Rejection) as err:
        m.decide(state, command, actor, Inputs(now=300.0, participant_id="p9", token="t9"))
    assert err.value.code == code and err.value.reason
    assert state == before


def test_a_removed_participant_cannot_act() -> None:
    """Commands from a removed participant get 'removed'."""
    state, log = created()
    state = run(state, log, m.Join(name="Ana"), PHONE)
    state = run(state, log, m.RemoveParticipant(participant_id="p1"), FAC)
    with pytest.raises(Rejection) as err:
        m.decide(state, m.Rename(name="Back"), m.Actor(m.Role.PHONE, "p1"), Inputs(now=300.0))
    assert err.value.code == "removed"


def test_apply_does_not_mutate_the_previous_state() -> None:
    """A working copy can be thrown away: apply returns a new state."""
    state, log = created()
    before_participants = state.participants
    after = run(state, log, m.Join(name="Ana"), PHONE)
    assert state.participants is before_participants and not state.participants
    assert "p1" in after.participants


def test_views_show_presence_not_removed_people() -> None:
    """Counts include only present, not-removed participants; present ones come first on the console."""
    state, log = created()
    for name in ("Zed", "amy", "Bob"):
        state = run(state, log, m.Join(name=name), PHONE)
    state = run(state, log, m.RemoveParticipant(participant_id="p3"), FAC)
    connected = {"p1", "p3"}
    assert views.screen_view(state, connected, "http://x/j/XK74PM")["present"] == 1
    fac = views.facilitator_view(state, connected, "http://x/j/XK74PM")
    assert [(p["name"], p["present"]) for p in fac["participants"]] == [("Zed", True), ("amy", False)]
    assert views.me_view(state, "p3") == {"status": "removed", "participant": None}
    assert views.me_view(state, None)["status"] == "guest"


names = st.text(alphabet=st.characters(codec="utf-8"), min_size=0, max_size=50)
commands = st.one_of(
    st.builds(lambda n, i: ("join", n, i), names, st.integers(0, 9)),
    st.builds(lambda n, i: ("rename", n, i), names, st.integers(0, 9)),
    st.builds(lambda n, i: ("frename", n, i), names, st.integers(0, 9)),
    st.builds(lambda i: ("remove", "", i), st.integers(0, 9)),
    st.just(("end", "", 0)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(commands, max_size=40))
def test_replaying_the_log_equals_the_live_state(script: list[tuple[str, str, int]]) -> None:
    """Whatever happened, replaying the stored log from scratch gives exactly the live state."""
    state, log = created()
    for kind, name, i in script:
        pid = f"p{i}"
        command: m.Command
        actor = PHONE
        if kind == "join":
            command = m.Join(name=name)
        elif kind == "rename":
            command, actor = m.Rename(name=name), m.Actor(m.Role.PHONE, next(iter(state.participants), None))
        elif kind == "frename":
            command, actor = m.RenameParticipant(participant_id=next(iter(state.participants), pid), name=name), FAC
        elif kind == "remove":
            command, actor = m.RemoveParticipant(participant_id=next(iter(state.participants), pid)), FAC
        else:
            command, actor = m.EndMeeting(), FAC
        try:
            state = run(state, log, command, actor, now=float(len(log)))
        except Rejection:
            pass
    # Through the store's encoding, as a restart would read it.
    stored = [(seq, msgpack.unpackb(msgpack.packb(ev.to_dict()))) for seq, ev in log]
    replayed = m.fold((seq, events.from_dict(data)) for seq, data in stored)
    assert replayed == state
    assert [seq for seq, _ in log] == list(range(1, len(log) + 1))
