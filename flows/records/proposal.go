package records

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Proposal kinds: a whole agreement, from the mentee, or a new time for
// one meeting, from either side.
const (
	ProposalAgreement  = "agreement"
	ProposalReschedule = "reschedule"
)

// Proposal is an agreement or a reschedule waiting for the other side
// of the mentorship to confirm. Only the latest proposal of a
// mentorship can be confirmed; its id is the buttons' argument.
type Proposal struct {
	ID           int64     `json:"id"`
	Kind         string    `json:"kind"`
	MentorshipID string    `json:"mentorship_id"`
	From         int64     `json:"from"`
	To           int64     `json:"to"`
	Topics       string    `json:"topics,omitempty"`
	Meetings     []Meeting `json:"meetings"`
	// Link is the agreement's meeting link, if it gives one.
	Link      string    `json:"link,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Arg is the proposal's id as a button argument.
func (p Proposal) Arg() string { return strconv.FormatInt(p.ID, 10) }

func proposalKey(id int64) string          { return "proposal:" + id64(id) }
func proposalPendingKey(mid string) string { return "proposal-pending:" + mid }
func proposalDecidedKey(id int64) string   { return "proposal-decided:" + id64(id) }

// proposalsOfKey indexes every proposal of mentorship mid, decided or
// not: they name both sides, so an erasure deletes them all.
func proposalsOfKey(mid string) string { return "proposals-of:" + mid }

// Proposal loads proposal id; ErrNotFound if there is none.
func (db *DB) Proposal(ctx context.Context, id int64) (Proposal, error) {
	var p Proposal
	return p, db.get(ctx, proposalKey(id), &p)
}

// PendingProposal returns the proposal of mentorship mid waiting for an
// answer, or nil.
func (db *DB) PendingProposal(ctx context.Context, mid string) (*Proposal, error) {
	id, err := db.pendingProposalID(ctx, mid)
	if err != nil || id == 0 {
		return nil, err
	}
	p, err := db.Proposal(ctx, id)
	if ok, err := found(err); !ok {
		return nil, err
	}
	return &p, nil
}

// pendingProposalID is the id of mid's pending proposal, or 0.
func (db *DB) pendingProposalID(ctx context.Context, mid string) (int64, error) {
	var id int64
	_, err := found(db.get(ctx, proposalPendingKey(mid), &id))
	return id, err
}

// IsPending reports whether p is its mentorship's latest proposal,
// still waiting for an answer.
func (db *DB) IsPending(ctx context.Context, p Proposal) (bool, error) {
	id, err := db.pendingProposalID(ctx, p.MentorshipID)
	return id == p.ID, err
}

// SaveProposal numbers p, stores it and makes it the mentorship's
// pending proposal, replacing any earlier one.
func (db *DB) SaveProposal(ctx context.Context, p *Proposal) error {
	id, err := db.s.NextID(ctx, "proposal")
	if err != nil {
		return fmt.Errorf("number proposal: %w", err)
	}
	p.ID = id
	if err := db.put(ctx, proposalKey(id), p); err != nil {
		return err
	}
	if err := db.s.AddToSet(ctx, proposalsOfKey(p.MentorshipID), id64(id)); err != nil {
		return fmt.Errorf("index proposal %d: %w", id, err)
	}
	return db.put(ctx, proposalPendingKey(p.MentorshipID), id)
}

// DecideProposal reports whether this call is the first to decide p,
// and if so closes it: whoever presses first decides; a second press,
// here or from another device, changes nothing.
func (db *DB) DecideProposal(ctx context.Context, p Proposal) (bool, error) {
	won, err := db.s.Claim(ctx, proposalDecidedKey(p.ID), 0)
	if err != nil {
		return false, fmt.Errorf("decide proposal %d: %w", p.ID, err)
	}
	if !won {
		return false, nil
	}
	return true, db.del(ctx, proposalPendingKey(p.MentorshipID))
}

// DeleteProposal drops p, pending or not.
func (db *DB) DeleteProposal(ctx context.Context, p Proposal) error {
	return db.del(ctx, proposalKey(p.ID), proposalPendingKey(p.MentorshipID), proposalDecidedKey(p.ID))
}

// EraseProposals deletes every proposal of mentorship mid, pending or
// decided, with their index: a proposal names both sides and carries
// the mentee's topics.
func (db *DB) EraseProposals(ctx context.Context, mid string) error {
	ids, err := db.idSet(ctx, proposalsOfKey(mid))
	if err != nil {
		return err
	}
	keys := []string{proposalsOfKey(mid), proposalPendingKey(mid)}
	for _, id := range ids {
		keys = append(keys, proposalKey(id), proposalDecidedKey(id))
	}
	return db.del(ctx, keys...)
}

// ProposalExport is what /mydata shows of a proposal: the other side
// is named by their part, never by id or name.
type ProposalExport struct {
	Kind      string    `json:"kind"`
	From      Party     `json:"from"`
	To        Party     `json:"to"`
	Topics    string    `json:"topics,omitempty"`
	Meetings  []Meeting `json:"meetings"`
	CreatedAt time.Time `json:"created_at"`
}

// ExportFor is p as /mydata shows it to userID, one of its sides; the
// other side is mentee or mentor of mentorship m.
func (p Proposal) ExportFor(userID int64, m Mentorship) ProposalExport {
	return ProposalExport{Kind: p.Kind, From: m.PartyOf(userID, p.From), To: m.PartyOf(userID, p.To),
		Topics: p.Topics, Meetings: p.Meetings, CreatedAt: p.CreatedAt}
}
