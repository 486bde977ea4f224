package flows

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mentorbot/mentorbot/flows/records"
)

const flowTimeZone = "tz"

// registerTimeZone adds /timezone: the zone every date is shown to the
// person in. Mentors, who live abroad, are asked on /start until they
// choose (askTimeZone); everyone else keeps the programme's zone unless
// they choose another.
func registerTimeZone(e *Engine) {
	e.command(Command{Name: "timezone", Scope: InPrivate, Help: "cmd.timezone", Run: func(t *Turn) error {
		askTimeZone(t)
		return nil
	}})
	e.onButton(flowTimeZone, records.RoleAnyone, InPrivate, chooseTimeZone)
	e.onStep(flowStep(flowTimeZone), typedTimeZone)
}

// askTimeZone shows the sender's zone and offers the zones of the
// programme and of its host institutions as buttons; any other is
// typed by its name.
func askTimeZone(t *Turn) {
	t.StartFlow(flowTimeZone, "choose")
	now := t.zoneOf(*t.Profile)
	t.Say("timezone.ask", map[string]any{"Zone": now.String(), "Now": t.dates().dateTime(t.Now())}, zoneButtons(t)...)
}

// offeredZones are the programme's zone and each host institution's,
// in programme order.
func offeredZones(p *Program) []*time.Location {
	zones := []*time.Location{p.Location()}
	for _, pr := range p.Projects {
		if loc := pr.Location(); loc != nil && !slices.ContainsFunc(zones, func(z *time.Location) bool { return z.String() == loc.String() }) {
			zones = append(zones, loc)
		}
	}
	return zones
}

// zoneButtons offers offeredZones, two a row, each by its place in the
// list (a zone's name may not fit in a button's data).
func zoneButtons(t *Turn) [][]Button {
	var rows [][]Button
	for i, loc := range offeredZones(t.Program()) {
		if i%2 == 0 {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], t.Button(loc.String(), "set", strconv.Itoa(i)))
	}
	return rows
}

// chooseTimeZone sets the zone whose button was pressed.
func chooseTimeZone(t *Turn) error {
	zones := offeredZones(t.Program())
	i, err := strconv.Atoi(t.Callback.Arg)
	if t.Callback.Action != "set" || err != nil || i < 0 || i >= len(zones) {
		t.Notice("error.bad_button")
		return nil
	}
	setTimeZone(t, zones[i])
	return nil
}

// typedTimeZone sets a zone typed by its name ("America/New_York",
// "america/new_york"), or says how to write one.
func typedTimeZone(t *Turn) error {
	loc, ok := lookupZone(t.Event.Text)
	if t.Event.Kind != KindText || !ok {
		t.Say("timezone.unknown", map[string]any{"Example": "America/New_York"}, zoneButtons(t)...)
		return nil
	}
	setTimeZone(t, loc)
	return nil
}

// setTimeZone keeps loc as the sender's zone and shows the time there.
func setTimeZone(t *Turn, loc *time.Location) {
	t.Profile.TimeZone = loc.String()
	t.Session.Reset()
	t.Say("timezone.set", map[string]any{"Zone": loc.String(), "Now": t.dates().dateTime(t.Now())})
}

// maxZoneName bounds a typed zone name; the longest IANA names are
// about 30 characters.
const maxZoneName = 64

// lookupZone finds the IANA zone named s, in any letter case: an area
// and a location ("Europe/Madrid") or UTC. Local, the machine's own
// zone, is refused: it means nothing to the person.
func lookupZone(s string) (*time.Location, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxZoneName || strings.EqualFold(s, "Local") || strings.ContainsAny(s, " .\\") {
		return nil, false
	}
	for _, name := range []string{s, zoneCase(s)} {
		if loc, err := loadZone(name); err == nil {
			return loc, true
		}
	}
	return nil, false
}

// zoneCase writes a zone name the way the IANA database does: each part
// of each word capitalised ("america/new_york" gives America/New_York,
// "utc" UTC).
func zoneCase(s string) string {
	if len(s) <= 3 {
		return strings.ToUpper(s)
	}
	b := []byte(strings.ToLower(s))
	for i := range b {
		if i == 0 || strings.ContainsRune("/_-", rune(b[i-1])) {
			b[i] = strings.ToUpper(string(b[i]))[0]
		}
	}
	return string(b)
}
