"""A general assembly through the core: agenda approval, proposals and amendments, ballots and
outcomes, secret and open votes, temperature checks, written points, group shares, minutes.

Every refusal is checked to leave the state exactly as it was.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from server import minutes
from server.agenda import core as ag
from server.core import meeting as m
from server.core import views
from server.core.errors import Rejection
from server.decisions import core as dc
from server.signals import core as sg
from server.stack import core as sk
from tests.test_stack import Room


class Assembly(Room):
    receipt = 0

    def refused(self, code: str, command: Any, actor: m.Actor) -> Rejection:
        before = self.state
        with pytest.raises(Rejection) as info:
            self.do(command, actor)
        assert info.value.code == code, info.value.reason
        assert self.state == before
        return info.value

    def refused_by(self, code: str, name: str, command: Any) -> Rejection:
        return self.refused(code, command, m.Actor(m.Role.PHONE, participant_id=name))

    def vote(self, name: str, vote_id: int, *choices: str, reason: str = "") -> None:
        Assembly.receipt += 1
        self.do(
            dc.CastBallot(vote_id, tuple(choices), reason),
            m.Actor(m.Role.PHONE, participant_id=name),
            receipt=f"R{Assembly.receipt:03d}",
        )

    def open_vote(self, **fields: Any) -> int:
        self.do(dc.OpenVote(**fields), m.Actor(m.Role.FACILITATOR), seal=f"seal{self.now}")
        vote = self.state.decisions.current_vote
        assert vote is not None
        return vote.id

    def present(self, count: int) -> frozenset[str]:
        """Who is here, for a close: the first ``count`` participants."""
        return frozenset(list(self.state.participants)[:count])

    def close(self, vote_id: int, present: int) -> dict[str, Any]:
        self.do(dc.CloseVote(vote_id), m.Actor(m.Role.FACILITATOR), present=self.present(present))
        result = self.state.decisions.votes[vote_id].result
        assert result is not None
        return result.to_dict()


def approved(room: Assembly) -> None:
    room.facilitate(ag.AddItem("Kitchen rota", minutes=15))
    room.facilitate(ag.AddItem("Rent strike", minutes=30))
    vote = room.open_vote(subject="agenda", ballot="yes_no", rule="majority")
    room.vote("ana", vote, "yes")
    room.vote("ben", vote, "yes")
    assert room.close(vote, present=3)["outcome"] == "passed"


def test_agenda_is_drafted_proposed_ordered_and_approved_by_a_vote() -> None:
    room = Assembly("ana", "ben", "cy")
    room.facilitate(ag.AddItem("Kitchen rota", "Who cleans when", 15))
    room.by("ana", ag.ProposeItem("Noise at night"))
    room.by("ben", ag.ProposeItem("Bike shed"))
    items = {i.title: i for i in room.state.agenda.items}
    assert items["Noise at night"].status == "proposed"
    room.facilitate(ag.AcceptItem(items["Noise at night"].id))
    room.facilitate(ag.DeclineItem(items["Bike shed"].id))
    room.facilitate(ag.EditItem(items["Noise at night"].id, minutes=20))
    room.facilitate(ag.MoveItem(items["Noise at night"].id, 0))
    assert [i.title for i in room.state.agenda.accepted] == ["Noise at night", "Kitchen rota"]
    # Not before the room approves it:
    room.refused("agenda_not_approved", ag.StartItem(items["Kitchen rota"].id), m.Actor(m.Role.FACILITATOR))
    vote = room.open_vote(subject="agenda", ballot="yes_no", rule="majority")
    assert "1. Noise at night (20 min); 2. Kitchen rota (15 min)" in room.state.decisions.votes[vote].question
    room.vote("ana", vote, "yes")
    room.vote("ben", vote, "no")
    room.vote("cy", vote, "yes")
    assert room.close(vote, present=3)["outcome"] == "passed"
    agenda = room.state.agenda
    assert [a.title for a in agenda.approved] == ["Noise at night", "Kitchen rota"]
    # Approved once: a second approval vote is refused.
    room.refused(
        "agenda_not_ready",
        dc.OpenVote(subject="agenda", ballot="yes_no", rule="majority"),
        m.Actor(m.Role.FACILITATOR),
    )
    room.facilitate(ag.StartItem(items["Noise at night"].id))
    screen = views.agenda_summary(room.state)
    assert screen["current"]["title"] == "Noise at night"
    assert screen["current"]["deadline"] == screen["current"]["started_at"] + 20 * 60
    assert [n["title"] for n in screen["next"]] == ["Kitchen rota"]
    # The stack follows the item: ana spoke on the first item; on the next she is new to it again.
    room.speak("ana")
    room.facilitate(sk.EndTurn())
    room.facilitate(ag.StartItem(items["Kitchen rota"].id))
    assert room.state.stack.item_id == items["Kitchen rota"].id
    assert room.state.agenda.item(items["Noise at night"].id).status == "done"  # type: ignore[union-attr]
    room.raise_hand("ana")
    assert room.reasons()["ana"] == "you haven't spoken on this item yet"


def test_a_failed_agenda_vote_leaves_it_unapproved() -> None:
    room = Assembly("ana", "ben")
    room.facilitate(ag.AddItem("Budget"))
    vote = room.open_vote(subject="agenda", ballot="yes_no", rule="majority")
    room.vote("ana", vote, "no")
    assert room.close(vote, present=2)["outcome"] == "failed"
    assert room.state.agenda.approved_at is None
    room.open_vote(subject="agenda", ballot="yes_no", rule="majority")  # it can be put again


def test_participants_cannot_do_the_facilitators_work() -> None:
    room = Assembly("ana", "ben")
    approved(room)
    for command in [
        ag.AddItem("x"),
        ag.StartItem("a1"),
        dc.OpenVote(subject="question", ballot="yes_no", rule="majority", question="Pizza?"),
        dc.CloseVote(1),
        sg.StartCheck("Ready?"),
        m.ReadPoint(1),
        sk.SetGroups(("Women",)),
        dc.AddAction(1, "x", "y"),
    ]:
        room.refused_by("not_allowed", "ana", command)


def test_proposal_with_an_accepted_and_a_voted_amendment() -> None:
    room = Assembly("ana", "ben", "cy")
    approved(room)
    room.facilitate(ag.StartItem("a2"))
    room.by("ana", dc.Propose("We stop paying rent in March."))
    proposal = max(room.state.decisions.proposals)
    room.by("ben", dc.Amend(proposal, "We stop paying rent in April."))
    room.by("cy", dc.Amend(proposal, "We stop paying rent in April, together with block B."))
    first, second = sorted(room.state.decisions.amendments)
    # Only the proposer accepts; ben can't accept his own; facilitator commands from phones fail.
    room.refused_by("not_proposer", "ben", dc.AcceptAmendment(first))
    room.by("ana", dc.AcceptAmendment(first))
    assert room.state.decisions.proposals[proposal].text == "We stop paying rent in April."
    # A pending amendment must be settled before the proposal goes to the vote.
    room.refused(
        "amendments_pending",
        dc.OpenVote(subject="proposal", target=proposal, ballot="yes_no", rule="majority"),
        m.Actor(m.Role.FACILITATOR),
    )
    vote = room.open_vote(subject="amendment", target=second, ballot="yes_no", rule="majority")
    for name in ("ana", "ben", "cy"):
        room.vote(name, vote, "yes")
    assert room.close(vote, present=3)["outcome"] == "passed"
    assert room.state.decisions.proposals[proposal].text.endswith("together with block B.")
    vote = room.open_vote(subject="proposal", target=proposal, ballot="yes_no", rule="fraction", fraction="2/3")
    room.vote("ana", vote, "yes")
    room.vote("ben", vote, "yes")
    room.vote("cy", vote, "no")
    result = room.close(vote, present=3)
    assert (result["outcome"], result["label"]) == ("passed", "Passed")  # exactly 2/3
    assert room.state.decisions.proposals[proposal].status == "passed"
    room.facilitate(dc.AddAction(vote, "Write to the landlord", "ben"))
    data = minutes.minutes(room.state)
    section = next(s for s in data["items"] if s["item"] == "a2")
    p = section["proposals"][0]
    assert p["original"] == "We stop paying rent in March."
    assert [a["status"] for a in p["amendments"]] == ["accepted", "accepted"]
    assert [a["settled_by"] for a in p["amendments"]] == ["proposer", "vote"]
    decision = next(d for d in data["decisions"] if d["vote"] == vote)
    assert decision["actions"] == [{"what": "Write to the landlord", "who": "ben"}]
    assert decision["label"] == "Passed"


def test_ballots_change_until_close_latest_counts_and_refusals_change_nothing() -> None:
    room = Assembly("ana", "ben", "cy")
    vote = room.open_vote(subject="question", question="Meet weekly?", ballot="consensus", rule="consensus")
    room.vote("ana", vote, "agree")
    receipt = room.state.decisions.votes[vote].ballots["ana"].receipt
    room.vote("ana", vote, "stand_aside")  # changed her mind: latest counts, same receipt
    v = room.state.decisions.votes[vote]
    assert dict(v.counts) == {"agree": 0, "stand_aside": 1}
    assert v.ballots["ana"].receipt == receipt
    assert (
        room.do(dc.CastBallot(vote, ("stand_aside",)), m.Actor(m.Role.PHONE, "ana"), receipt="R999") == []
    )  # same ballot again: nothing
    room.refused_by("reason_required", "ben", dc.CastBallot(vote, ("block",)))
    room.refused_by("bad_choice", "ben", dc.CastBallot(vote, ("yes",)))
    room.refused_by("bad_choice", "ben", dc.CastBallot(vote, ("agree", "block")))
    room.refused_by("unknown_vote", "ben", dc.CastBallot(99, ("agree",)))
    room.refused("not_joined", dc.CastBallot(vote, ("agree",)), m.Actor(m.Role.PHONE))
    room.refused("not_allowed", dc.CastBallot(vote, ("agree",)), m.Actor(m.Role.FACILITATOR))
    room.vote("ben", vote, "block", reason="Weekly excludes people on shifts.")
    room.vote("cy", vote, "agree")
    result = room.close(vote, present=3)
    assert result["outcome"] == "blocked"
    room.refused_by("vote_closed", "cy", dc.CastBallot(vote, ("block",), "changed my mind"))
    room.refused("vote_closed", dc.CloseVote(vote), m.Actor(m.Role.FACILITATOR))
    screen = views.vote_view(room.state, room.state.decisions.latest_vote, 60)
    assert screen is not None and screen["result"]["label"] == "Blocked"
    assert screen["reasons"] == [{"choice": "block", "reason": "Weekly excludes people on shifts.", "name": "ben"}]


def test_a_removed_participant_cannot_vote_and_their_ballot_is_withdrawn() -> None:
    room = Assembly("ana", "ben")
    vote = room.open_vote(subject="question", question="Paint it red?", ballot="yes_no", rule="majority")
    room.vote("ben", vote, "yes")
    room.facilitate(m.RemoveParticipant("ben"))
    assert room.state.decisions.votes[vote].counts["yes"] == 0
    room.refused_by("removed", "ben", dc.CastBallot(vote, ("yes",)))
    room.refused_by("removed", "ben", sk.RaiseHand())


def test_one_vote_at_a_time_and_hidden_tallies_until_close() -> None:
    room = Assembly("ana", "ben")
    vote = room.open_vote(subject="question", question="Q?", ballot="yes_no", rule="majority", hidden=True)
    room.refused(
        "vote_open",
        dc.OpenVote(subject="question", question="Another?", ballot="yes_no", rule="majority"),
        m.Actor(m.Role.FACILITATOR),
    )
    room.vote("ana", vote, "yes")
    view = views.vote_view(room.state, room.state.decisions.latest_vote, 60)
    assert view is not None and (view["counts"], view["names"], view["turnout"]) == (None, None, 1)
    room.close(vote, present=2)
    view = views.vote_view(room.state, room.state.decisions.latest_vote, 60)
    assert view is not None and view["counts"] == {"yes": 1, "no": 0, "abstain": 0}
    assert view["names"]["yes"] == {"names": ["ana"], "more": 0}  # open (roll-call) vote: names
    room.facilitate(dc.DismissVote(vote))
    assert room.state.decisions.latest_vote is None


def test_secret_votes_show_turnout_while_open_then_counts_voters_and_receipts_never_who_chose_what() -> None:
    room = Assembly("ana", "ben", "cy")
    vote = room.open_vote(subject="question", question="Elect Dee?", ballot="yes_no", rule="majority", secret=True)
    seal = room.state.decisions.votes[vote].seal
    assert seal
    room.vote("ana", vote, "yes")
    evs = room.do(dc.CastBallot(vote, ("no",)), m.Actor(m.Role.PHONE, participant_id="ben"), receipt="R-BEN")
    assert [e.sealed_by for e in evs] == [seal]  # the store keeps it encrypted under the vote's key
    room.vote("cy", vote, "yes")
    # While open: turnout only, on every view (a count that moves ballot by ballot shows who chose
    # what to anyone watching people tap); a changed ballot changes nothing anyone sees.
    for live in (True, False):
        view = views.vote_view(room.state, room.state.decisions.latest_vote, 60, live=live)
        assert view is not None and view["names"] is None and view["counts"] is None
        assert view["reasons"] in ([], None)
    assert views.vote_view(room.state, room.state.decisions.latest_vote, 60)["turnout"] == 3
    assert views.phone_live(room.state)["vote"] == {"vote": vote, "turnout": 3, "counts": None}
    before = views.vote_view(room.state, room.state.decisions.latest_vote, 60)
    room.vote("ben", vote, "yes")
    assert views.vote_view(room.state, room.state.decisions.latest_vote, 60) == before
    assert views.me_view(room.state, "ben")["ballot"]["receipt"] == "R-BEN"  # your own ballot, while open
    room.vote("ben", vote, "no")
    (closed,) = room.do(dc.CloseVote(vote), m.Actor(m.Role.FACILITATOR), present=room.present(3))
    assert closed.shred == seal and closed.voters == ["ana", "ben", "cy"]
    assert [r[0] for r in closed.receipts] == sorted(r[0] for r in closed.receipts)
    # The closed vote keeps no ballot in memory: nothing links a participant to a choice.
    shut = room.state.decisions.votes[vote]
    assert shut.ballots == {} and shut.turnout == 3 and shut.tally == {"yes": 2, "no": 1, "abstain": 0}
    assert "R-BEN" in repr(shut) and "ben" not in repr(shut.receipts)
    assert views.me_view(room.state, "ben")["ballot"] is None and views.me_view(room.state, "ben")["voted"]
    view = views.vote_view(room.state, shut, 60)
    assert view["counts"] == {"yes": 2, "no": 1, "abstain": 0} and view["secret"] and view["turnout"] == 3
    data = minutes.minutes(room.state)
    record = data["items"][0]["votes"][0]
    assert record["voters"] == ["ana", "ben", "cy"]
    assert sorted(r["choices"][0] for r in record["receipts"]) == ["no", "yes", "yes"]
    assert [r["receipt"] for r in record["receipts"]] == sorted(r["receipt"] for r in record["receipts"])
    assert "roll_call" not in record
    text = minutes.markdown(data)
    assert "`R-BEN` No" in text
    for name in ("ana", "ben", "cy"):  # names appear only in the "Voted:" list, never beside a choice
        assert f"Yes: {name}" not in text and f"No: {name}" not in text


def test_a_secret_vote_replayed_without_its_ballots_gives_the_same_record() -> None:
    """After the close the store can no longer read the sealed ballots (their key is destroyed):
    a replay sees placeholders instead, and the closed vote comes out exactly the same."""
    room = Assembly("ana", "ben", "cy")
    start = room.state
    log: list[Any] = []
    log += room.do(
        dc.OpenVote(subject="question", question="Q?", ballot="consensus", rule="consensus", secret=True),
        m.Actor(m.Role.FACILITATOR),
        seal="s1",
    )
    vote = room.state.decisions.current_vote.id
    log += room.do(dc.CastBallot(vote, ("agree",)), m.Actor(m.Role.PHONE, participant_id="ana"), receipt="A")
    log += room.do(dc.CastBallot(vote, ("block",), "Unsafe"), m.Actor(m.Role.PHONE, participant_id="ben"), receipt="B")
    log += room.do(dc.CloseVote(vote), m.Actor(m.Role.FACILITATOR), present=room.present(3))
    shredded = [m.Sealed(at=0.0) if isinstance(e, dc.BallotCast) else e for e in log]
    replayed = start
    for ev in shredded:
        replayed = m.apply(replayed, ev)
    assert replayed.decisions.votes[vote] == room.state.decisions.votes[vote]
    view = views.vote_view(replayed, replayed.decisions.votes[vote], 60)
    assert view["reasons"] == [{"choice": "block", "reason": "Unsafe", "name": None}]


def test_choice_ballot_several_options() -> None:
    room = Assembly("ana", "ben", "cy")
    vote = room.open_vote(
        subject="question",
        question="Which days?",
        ballot="choice",
        options=("Mon", "Wed", "Sat"),
        multi=True,
        rule="plurality",
    )
    room.vote("ana", vote, "Mon", "Sat")
    room.vote("ben", vote, "Sat")
    room.vote("cy", vote, "Wed", "Sat")
    result = room.close(vote, present=3)
    assert (result["outcome"], result["winner"]) == ("passed", "Sat")
    single = room.open_vote(subject="question", question="Chair?", ballot="choice", options=("A", "B"), rule="majority")
    room.refused_by("bad_choice", "ana", dc.CastBallot(single, ("A", "B")))


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"subject": "question", "ballot": "yes_no", "rule": "majority"}, "bad_field"),  # no question
        ({"subject": "proposal", "ballot": "yes_no", "rule": "majority", "target": 42}, "unknown_proposal"),
        (
            {"subject": "question", "question": "Q", "ballot": "choice", "options": ("A",), "rule": "plurality"},
            "bad_field",
        ),
        ({"subject": "question", "question": "Q", "ballot": "yes_no", "rule": "consensus"}, "bad_rule"),
        (
            {"subject": "question", "question": "Q", "ballot": "yes_no", "options": ("A", "B"), "rule": "majority"},
            "bad_field",
        ),
        ({"subject": "poll", "ballot": "yes_no", "rule": "majority"}, "bad_field"),
        ({"subject": "agenda", "ballot": "yes_no", "rule": "majority"}, "agenda_not_ready"),  # no items
    ],
)
def test_bad_votes_are_refused(fields: dict[str, Any], code: str) -> None:
    room = Assembly("ana")
    room.refused(code, dc.OpenVote(**fields), m.Actor(m.Role.FACILITATOR))


def test_live_signals_fade_and_temperature_checks_have_a_window() -> None:
    room = Assembly("ana", "ben", "cy")
    room.by("ana", sg.ShowSignal("agree"))
    room.by("ben", sg.ShowSignal("disagree"))
    room.by("ben", sg.ShowSignal("unsure"))  # one signal per person: the latest
    live = views.temperature_view(room.state)["live"]
    assert (sum(live["agree"]), sum(live["unsure"]), sum(live["disagree"])) == (1, 1, 0)
    room.refused_by("bad_field", "cy", sg.ShowSignal("love"))
    room.now += sg.FADE  # a minute later the old signals have faded from the aggregate
    room.by("cy", sg.ShowSignal("agree"))
    live = views.temperature_view(room.state)["live"]
    assert (sum(live["agree"]), sum(live["unsure"])) == (1, 0)
    room.facilitate(sg.StartCheck("Ready to decide?", seconds=20))
    check = room.state.signals.last_check
    assert check is not None
    room.by("ana", sg.AnswerCheck(check.id, "agree"))
    room.by("ben", sg.AnswerCheck(check.id, "unsure"))
    room.refused("check_running", sg.StartCheck("Again?"), m.Actor(m.Role.FACILITATOR))
    room.now += 20
    room.refused_by("check_closed", "cy", sg.AnswerCheck(check.id, "agree"))
    assert views.temperature_view(room.state)["check"]["counts"] == {"agree": 1, "unsure": 1, "disagree": 0}
    # Phones see that it ran, not the names; nobody sees who answered what.
    assert views.phone_view(room.state, set())["check"]["counts"] is None


def test_written_points_anonymous_to_the_room_not_to_moderation() -> None:
    room = Assembly("ana", "ben", "cy")
    room.by("ana", sg.PostPoint("What does the rent strike risk for tenants with kids?", anonymous=True))
    point = max(room.state.signals.points)
    room.by("ben", sg.UpvotePoint(point))
    room.by("cy", sg.UpvotePoint(point))
    room.refused_by("own_point", "ana", sg.UpvotePoint(point))
    phone = views.phone_view(room.state, set())["points"][0]
    assert (phone["author"], phone["upvotes"]) == ("Anonymous", 2)
    console = views.facilitator_view(room.state, set(), "")["points"][0]
    assert (console["author"], console["anonymous"]) == ("ana", True)
    room.facilitate(sg.ShowPoint(point))
    assert views.screen_view(room.state, set(), "")["point"]["author"] == "Anonymous"
    room.facilitate(m.ReadPoint(point))
    assert room.state.signals.points[point].status == "read"
    assert room.state.signals.shown is None
    assert views.stack_summary(room.state, 5)["next"][0]["name"] == f"Written point {point}"
    assert room.reasons()[sk.written_entry(point)] == "written point, read out by the facilitator"
    room.refused("point_closed", m.ReadPoint(point), m.Actor(m.Role.FACILITATOR))
    for n in range(sg.POINTS_EACH):
        room.by("ben", sg.PostPoint(f"point {n}"))
    room.refused_by("too_many", "ben", sg.PostPoint("one too many"))


def test_group_shares_are_aggregates_and_small_groups_fold_away() -> None:
    names = ["a1", "a2", "a3", "b1", "b2", "c1"]
    room = Assembly(*names)
    room.facilitate(sk.SetGroups(("Women", "Men", "Non-binary")))
    for pid in ("a1", "a2", "a3"):
        room.by(pid, sk.DeclareGroup("Women"))
    room.by("b1", sk.DeclareGroup("Men"))
    room.by("b2", sk.DeclareGroup("Men"))
    room.by("c1", sk.DeclareGroup("Non-binary"))
    room.refused_by("bad_field", "c1", sk.DeclareGroup("Martians"))
    room.speak("b1")
    room.facilitate(sk.EndTurn())
    room.speak("a1")
    room.facilitate(sk.EndTurn())
    shares = {g["group"]: g for g in sk.group_shares(room.state.stack, names, room.now)}
    assert set(shares) == {"Women", "Others / not declared"}  # Men (2) and Non-binary (1) are too small to show
    assert shares["Women"]["present_share"] == 50.0 and shares["Women"]["turn_share"] == 50.0
    assert views.me_view(room.state, "c1")["group"] == "Non-binary"
    assert "c1" not in str(views.facilitator_view(room.state, set(names), "")["stack"]["group_shares"])


def test_minutes_cover_a_whole_meeting() -> None:
    room = Assembly("ana", "ben", "cy")
    approved(room)
    room.facilitate(ag.StartItem("a1"))
    room.speak("ana")
    room.raise_hand("ben", "direct")
    room.facilitate(sk.NextSpeaker())
    room.facilitate(sk.EndTurn())
    room.facilitate(sg.StartCheck("Happy with a rota?"))
    room.by("cy", sg.AnswerCheck(room.state.signals.last_check.id, "agree"))  # type: ignore[union-attr]
    room.facilitate(dc.AddProposal("A weekly rota on the fridge.", proposer="Cy"))
    proposal = max(room.state.decisions.proposals)
    vote = room.open_vote(subject="proposal", target=proposal, ballot="consensus", rule="consensus")
    room.vote("ana", vote, "agree")
    room.vote("ben", vote, "stand_aside", reason="I'm away in May.")
    room.close(vote, present=3)
    room.facilitate(m.EndMeeting())
    data = minutes.minutes(room.state)
    assert [a["title"] for a in data["agenda"]["approved"]] == ["Kitchen rota", "Rent strike"]
    section = next(s for s in data["items"] if s["item"] == "a1")
    assert [(s["name"], s["kind"]) for s in section["speakers"]] == [("ana", "New point"), ("ben", "Direct response")]
    assert section["checks"][0]["counts"]["agree"] == 1
    assert section["votes"][0]["roll_call"] == {"agree": ["ana"], "stand_aside": ["ben"], "block": []}
    text = minutes.markdown(data)
    for expected in [
        "# Minutes: GA",
        "Approved by the assembly",
        "1. Kitchen rota (15 min)",
        "## Kitchen rota",
        "ana (new point",
        "### Proposal",
        "A weekly rota on the fridge.",
        "**Passed**",
        "Stand aside: I'm away in May. (ben)",
        "## Who spoke",
    ]:
        assert expected in text, expected


def test_a_replayed_log_gives_the_same_meeting() -> None:
    """Every assembly event survives the log (JSON round trip) and folds back to the same state."""
    import json

    from server.core import event as events

    room = Assembly()
    log: list[Any] = list(
        m.create(meeting_id="m", title="GA", code="AAAAAA", facilitator_secret="f", screen_key="s", now=1000.0)
    )
    original_do = room.do

    def do(command: Any, actor: m.Actor, **inputs: Any) -> list[Any]:
        evs = original_do(command, actor, **inputs)
        log.extend(evs)
        return evs

    room.do = do  # type: ignore[method-assign]
    for name in ("ana", "ben", "cy"):
        room.do(m.Join(name=name), m.Actor(m.Role.PHONE), participant_id=name, token=f"t-{name}")
    approved(room)
    room.facilitate(ag.StartItem("a1"))
    room.by("ana", sg.PostPoint("Why now?", anonymous=True))
    room.facilitate(m.ReadPoint(max(room.state.signals.points)))
    room.by("ben", sg.ShowSignal("agree"))
    room.facilitate(sk.SetGroups(("A", "B")))
    room.by("cy", sk.DeclareGroup("B"))
    room.by("ana", dc.Propose("Paint it blue."))
    proposal = max(room.state.decisions.proposals)
    room.by("ben", dc.Amend(proposal, "Paint it green."))
    room.by("ana", dc.AcceptAmendment(max(room.state.decisions.amendments)))
    vote = room.open_vote(
        subject="proposal", target=proposal, ballot="consensus", rule="modified_consensus", threshold=60, secret=True
    )
    room.vote("ana", vote, "agree")
    room.vote("ben", vote, "block", reason="Green clashes.")
    room.vote("cy", vote, "agree")
    room.close(vote, present=3)
    room.facilitate(dc.AddAction(vote, "Buy paint", "cy"))
    stored = [json.loads(json.dumps(ev.to_dict())) for ev in log]
    replayed = m.fold(enumerate((events.from_dict(d) for d in stored), start=1))
    assert replayed.decisions.votes[vote].result.outcome.value == "passed"  # type: ignore[union-attr]
    assert dataclasses.replace(replayed, seq=0) == dataclasses.replace(room.state, seq=0)


def test_proposals_are_numbered_one_two_three_whatever_votes_came_between() -> None:
    room = Assembly("ana", "ben")
    room.by("ana", dc.Propose("Paint it blue."))
    vote = room.open_vote(subject="question", question="Lunch?", ballot="yes_no", rule="majority")
    room.close(vote, present=2)
    room.facilitate(dc.AddProposal("Buy a bike shed."))
    room.by("ben", dc.Propose("Meet on Sundays."))
    numbers = [views.proposal_view(room.state, p)["number"] for p in room.state.decisions.proposals.values()]
    assert numbers == [1, 2, 3]
    text = minutes.markdown(minutes.minutes(room.state))
    assert "### Proposal 3 by ben" in text and "Proposal 4" not in text


def test_views_send_twenty_reasons_and_their_total_the_minutes_all() -> None:
    names = [f"p{i}" for i in range(25)]
    room = Assembly(*names)
    vote = room.open_vote(subject="question", question="Q?", ballot="consensus", rule="consensus")
    for i, name in enumerate(names):
        room.vote(name, vote, "block", reason=f"Reason {i}")
    room.close(vote, present=25)
    view = views.vote_view(room.state, room.state.decisions.latest_vote, 60)
    assert len(view["reasons"]) == 20 and view["reasons_total"] == 25
    record = minutes.minutes(room.state)["items"][0]["votes"][0]
    assert len(record["reasons"]) == 25
