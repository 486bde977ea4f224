package flows

import "github.com/mentorbot/mentorbot/flows/records"

// registerLasting registers every lasting button of every flow, in one
// place: a button that outlives the flow run that sent it (a review
// card, a ticket post in a committee group, a reminder, a note to the
// other side of a mentorship) carries no nonce, so the dispatcher lets
// a button without a nonce through only when its flow and action are
// listed here, and a forged one ("1:mydata:delete::", a confirmation
// without its run) is refused. Each of these handlers checks that the
// button's target, its Arg, still allows the action: the application's
// state, the ticket's, the meeting's, the person it is about.
func registerLasting(e *Engine) {
	review := []string{"proj", "list", "fproj", "fstate", "open"}
	for _, tr := range reviewTransitions {
		review = append(review, tr.action)
	}
	e.onLasting(flowReview, records.RoleStaff, InPrivate, reviewButton, review...)
	e.onLasting(flowPeople, records.RoleStaff, InPrivate, peopleButton, "page", "resend", "mentor")
	// The mentor's answer to the mentee's agreement.
	e.onLasting(flowAgreement, records.RoleAnyone, InPrivate, agreementButton, "ok", "no")
	// The mentee's diary reminder and the mentor's comment.
	e.onLasting(flowDiary, records.RoleAnyone, InPrivate, diaryButton, "write", "comment")
	e.onLasting(flowQuestionnaire, records.RoleAnyone, InPrivate, questionnaireButton, "start")
	// Yes and No under an announced event.
	e.onLasting(flowAnnounce, records.RoleAnyone, InPrivate, rsvpButton, "yes", "no")
	// The way into an offer to join a committee from /start, and the
	// committee's Invite under an offer, in its group.
	e.onLasting(flowVolunteer, records.RoleAnyone, InPrivate, volunteerButton, "begin")
	e.onLasting(flowVolunteer, records.RoleCommittee, InGroup, acceptOffer, "accept")
	// Reply under a message from the other side of a mentorship.
	e.onLasting(flowContact, records.RoleAnyone, InPrivate, contactButton, "reply")
	// The student's way in from /start and Reply under an answer; the
	// committee's Claim and Close under a ticket, in its group.
	e.onLasting(flowSupport, records.RoleAnyone, InPrivate, supportButton, "begin", "reply")
	e.onLasting(flowSupport, records.RoleCommittee, InGroup, supportButton, "claim", "close")
}
