package pdfdoc_test

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mentorbot/mentorbot/flows/pdfdoc"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata/ from this renderer")

// Goldens are rendered at this resolution, first page only, in gray.
const goldenDPI = "100"

// A page matches its golden when at most maxOff of its pixels differ
// by more than pixelTolerance of 255 gray levels. The same poppler
// renders the same page to the same pixels, so the tolerance is small:
// the diaeresis of "Ї" alone changes 7 pixels at this resolution.
const (
	pixelTolerance = 64
	maxOff         = 4
)

// The names each golden document carries, one per script.
const (
	cyrillic   = "Їжак Ёлкін"
	vietnamese = "Nguyễn Thị Ánh"
	arabic     = "محمد عبد الله"
	persian    = "زهرا احمدی"
	greek      = "Ζωή Παπαδοπούλου"
)

// goldenDocs are documents like those flows/diary.go and flows/ects.go
// make, in English and in Arabic and Persian (right to left), with
// names in every script; the right-to-left ones keep the locales' bidi
// isolates around what they fill in.
var goldenDocs = []struct {
	name string
	doc  pdfdoc.Document
	want []string // in the text pdftotext extracts, in this order
}{
	{
		name: "diary_en",
		doc: pdfdoc.Document{
			Title:    "Mentoring diary — meeting 2",
			Subtitle: "Erasmus Mentoring 2027",
			Fields: []pdfdoc.Field{
				{Label: "Programme", Value: "Erasmus Mentoring 2027"},
				{Label: "Project", Value: "Thesis in Kyiv and Athens — Ζωή Παπαδοπούλου"},
				{Label: "Mentee", Value: cyrillic},
				{Label: "Mentor", Value: arabic},
				{Label: "Meeting number", Value: "2"},
				{Label: "Scheduled for", Value: "Monday 1 March 2027, 10:00"},
				{Label: "Date of the meeting", Value: "1 March 2027"},
				{Label: "Reference", Value: "m-2027-0042"},
			},
			Sections: []pdfdoc.Section{
				{Heading: "Topics discussed", Body: "The outline with " + vietnamese + " and " + greek + "; " + persian + " joined for the last part.\nЇжак asked about Ёлкін's method (ج and ё)."},
				{Heading: "What I learned", Body: "To plan a literature review one chapter at a time: Città, più, già, Ærøskøbing, Łódź, Şişli, Tiếng Việt."},
				{Heading: "Next steps", Body: "Draft the introduction by Friday 5 March."},
				{Heading: "Comment of the mentor, " + arabic, Body: "Good work! عمل ممتاز، يا " + cyrillic + "."},
			},
			Footer:  "Written by the mentee; last updated 1 March 2027 at 12:00.",
			Author:  cyrillic,
			Created: time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC),
		},
		want: []string{"Mentoring diary", cyrillic, arabic, vietnamese, greek, persian, "Tiếng Việt"},
	},
	{
		name: "diary_ar",
		doc: pdfdoc.Document{
			Title:    "يوميات الإرشاد — اللقاء \u20682\u2069",
			Subtitle: "Erasmus Mentoring 2027",
			Fields: []pdfdoc.Field{
				{Label: "البرنامج", Value: "Erasmus Mentoring 2027"},
				{Label: "المشروع", Value: "أطروحة عن الطاقة الشمسية"},
				{Label: "المسترشد", Value: arabic},
				{Label: "المرشد", Value: vietnamese},
				{Label: "رقم اللقاء", Value: "2"},
				{Label: "الموعد المقرّر", Value: "الاثنين 1 مارس 2027، 10:00"},
				{Label: "تاريخ اللقاء", Value: "1 مارس 2027"},
				{Label: "الرقم المرجعي", Value: "m-2027-0042"},
			},
			Sections: []pdfdoc.Section{
				{Heading: "المواضيع التي نوقشت", Body: "ناقشنا خطة الفصل الأول مع \u2068" + greek + "\u2069 و\u2068" + cyrillic + "\u2069، وقرأنا 12 صفحة."},
				{Heading: "ما تعلّمته", Body: "كيف أكتب مراجعةً للأدبيات فصلاً بعد فصل."},
				{Heading: "الخطوات التالية", Body: "كتابة المقدمة قبل يوم الجمعة 5 مارس."},
				{Heading: "تعليق المرشد، \u2068" + vietnamese + "\u2069", Body: "عمل ممتاز يا " + persian + "!"},
			},
			Footer:  "كتبها المسترشد؛ آخر تحديث في \u20681 مارس 2027، 12:00\u2069.",
			Author:  arabic,
			Created: time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC),
		},
		want: []string{"يوميات الإرشاد", "المسترشد", arabic, vietnamese, greek, cyrillic, persian},
	},
	{
		name: "ects_en",
		doc: pdfdoc.Document{
			Title:    "Request for recognition of ECTS credits",
			Subtitle: "Erasmus Mentoring 2027",
			Fields: []pdfdoc.Field{
				{Label: "Full name", Value: arabic},
				{Label: "Student number", Value: "987654"},
				{Label: "Degree course", Value: "International relations"},
				{Label: "University", Value: "Università degli Studi di Padova"},
				{Label: "Academic year", Value: "2026/2027"},
				{Label: "Credits requested", Value: "3"},
				{Label: "Programme", Value: "Erasmus Mentoring 2027"},
				{Label: "Project", Value: "Thesis in Hanoi — " + vietnamese},
				{Label: "Mentor", Value: greek},
				{Label: "Period of the meetings", Value: "1 February 2027 – 1 March 2027"},
				{Label: "Meetings held", Value: "4"},
				{Label: "Diary entries attached", Value: "4"},
				{Label: "Reference", Value: "m-2027-0042"},
			},
			Sections: []pdfdoc.Section{
				{Heading: "Request", Body: "I, " + arabic + ", ask that my participation in Erasmus Mentoring 2027, documented by the attached mentoring diary, be recognised with 3 ECTS credits in my degree course International relations."},
				{Heading: "Date and signature", Body: "Date: 1 March 2027\n\nSignature of the student: ______________________________\n\nApproval of the degree course: ______________________________"},
			},
			Footer:  "Produced by the programme's assistant from the data entered by the student.",
			Author:  arabic,
			Created: time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC),
		},
		want: []string{"Request for recognition", arabic, vietnamese, greek, "I, " + arabic + ", ask"},
	},
	{
		name: "ects_fa",
		doc: pdfdoc.Document{
			Title:    "درخواست به\u200cرسمیت\u200cشناختن واحدهای \u2068ECTS\u2069",
			Subtitle: "Erasmus Mentoring 2027",
			Fields: []pdfdoc.Field{
				{Label: "نام و نام خانوادگی", Value: persian},
				{Label: "شمارهٔ دانشجویی", Value: "987654"},
				{Label: "رشتهٔ تحصیلی", Value: "روابط بین\u200cالملل"},
				{Label: "دانشگاه", Value: "Università degli Studi di Padova"},
				{Label: "سال تحصیلی", Value: "2026/2027"},
				{Label: "واحدهای درخواستی", Value: "3"},
				{Label: "برنامه", Value: "Erasmus Mentoring 2027"},
				{Label: "منتور", Value: cyrillic},
				{Label: "دورهٔ برگزاری جلسه\u200cها", Value: "\u20681 فوریه 2027\u2069 – \u20681 مارس 2027\u2069"},
				{Label: "جلسه\u200cهای برگزارشده", Value: "4"},
				{Label: "شمارهٔ پیگیری", Value: "m-2027-0042"},
			},
			Sections: []pdfdoc.Section{
				{Heading: "درخواست", Body: "اینجانب، \u2068" + persian + "\u2069، درخواست دارم که شرکتم در \u2068Erasmus Mentoring 2027\u2069، که با دفترچهٔ منتورینگ پیوست مستند شده است، با \u20683\u2069 واحد \u2068ECTS\u2069 در رشتهٔ تحصیلی\u200cام، \u2068روابط بین\u200cالملل\u2069، به رسمیت شناخته شود."},
				{Heading: "تاریخ و امضا", Body: "تاریخ: \u20681 مارس 2027\u2069\n\nامضای دانشجو: ______________________________"},
			},
			Footer:  "تهیه\u200cشده توسط دستیار برنامه بر اساس اطلاعاتی که دانشجو وارد کرده است.",
			Author:  persian,
			Created: time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC),
		},
		want: []string{"به\u200cرسمیت\u200cشناختن", "شمارهٔ دانشجویی", cyrillic, "اینجانب، " + persian + "، درخواست", "رشتهٔ تحصیلی\u200cام، روابط بین\u200cالملل"},
	},
}

// TestGoldenText checks that the golden documents' names come back
// from pdftext in logical order. It needs no poppler-utils.
func TestGoldenText(t *testing.T) {
	for _, g := range goldenDocs {
		t.Run(g.name, func(t *testing.T) {
			assertInOrder(t, "pdftext.Extract", extract(t, render(t, g.doc)), g.want)
		})
	}
}

// TestGolden renders each golden document, compares its first page,
// rendered by pdftoppm, with testdata/<name>.png, and checks that
// pdftotext gives its names back in logical order. With -update it
// rewrites the PNGs instead:
//
//	go test ./flows/pdfdoc -run TestGolden -update
//
// Without poppler-utils it skips, unless CI=true.
func TestGolden(t *testing.T) {
	pdftoppm, pdftotext := poppler(t, "pdftoppm"), poppler(t, "pdftotext")
	for _, g := range goldenDocs {
		t.Run(g.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, g.name+".pdf")
			if err := os.WriteFile(path, render(t, g.doc), 0o644); err != nil {
				t.Fatal(err)
			}

			text := strings.Map(dropBidiMarks, squash(run(t, pdftotext, "-q", "-enc", "UTF-8", path, "-")))
			assertInOrder(t, "pdftotext", text, g.want)

			root := filepath.Join(dir, "page")
			run(t, pdftoppm, "-q", "-r", goldenDPI, "-gray", "-png", "-f", "1", "-l", "1", "-singlefile", path, root)
			got, err := os.ReadFile(root + ".png")
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", g.name+".png")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test ./flows/pdfdoc -run TestGolden -update makes it)", err)
			}
			if off, total := diffPNG(t, got, want); off > maxOff {
				saved := filepath.Join(os.TempDir(), "pdfdoc-"+g.name+".png")
				if err := os.WriteFile(saved, got, 0o644); err != nil {
					t.Log(err)
				}
				t.Errorf("page 1 of %s differs from %s in %d of %d pixels (at most %d allowed); this rendering is in %s, and -update rewrites the golden",
					g.name, golden, off, total, maxOff, saved)
			}
		})
	}
}

// TestRenderConcurrently renders the golden documents at once, as
// replicas of the flows do, and checks each comes out as it does alone:
// Render shares parsed fonts and pooled shapers between goroutines.
func TestRenderConcurrently(t *testing.T) {
	want := make([][]byte, len(goldenDocs))
	for i, g := range goldenDocs {
		want[i] = render(t, g.doc)
	}
	var wg sync.WaitGroup
	got := make([][]byte, 4*len(goldenDocs))
	for i := range got {
		wg.Go(func() {
			out, err := pdfdoc.Render(goldenDocs[i%len(goldenDocs)].doc)
			if err != nil {
				t.Error(err)
			}
			got[i] = out
		})
	}
	wg.Wait()
	for i, out := range got {
		if g := goldenDocs[i%len(goldenDocs)]; !bytes.Equal(out, want[i%len(goldenDocs)]) {
			t.Errorf("Render(%s) at once with others differs from Render alone", g.name)
		}
	}
}

// poppler returns the path of a poppler-utils program. Without it the
// test skips, or fails when CI=true: CI installs poppler-utils, so a
// missing program there is a broken setup, not a reason to skip.
func poppler(tb testing.TB, name string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s not found, and CI=true: install poppler-utils", name)
		}
		tb.Skipf("%s not found: install poppler-utils to compare PDFs with their golden images", name)
	}
	return path
}

// run runs a program and returns its standard output.
func run(tb testing.TB, name string, args ...string) string {
	tb.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// dropBidiMarks drops the embedding marks pdftotext puts around
// right-to-left text.
func dropBidiMarks(c rune) rune {
	if c == '\u200E' || c == '\u200F' || c >= '\u202A' && c <= '\u202E' {
		return -1
	}
	return c
}

// assertInOrder fails unless each of wants, spaces removed, is in text
// after the one before.
func assertInOrder(tb testing.TB, by, text string, wants []string) {
	tb.Helper()
	rest := text
	for _, w := range wants {
		i := strings.Index(rest, squash(w))
		if i < 0 {
			where := "at all"
			if strings.Contains(text, squash(w)) {
				where = "after the one before"
			}
			tb.Errorf("text from %s lacks %q %s; got %q", by, w, where, text)
			return
		}
		rest = rest[i+len(squash(w)):]
	}
}

// diffPNG returns how many pixels of got differ from want by more
// than pixelTolerance, and how many there are; a different size counts
// as every pixel.
func diffPNG(tb testing.TB, got, want []byte) (off, total int) {
	tb.Helper()
	decode := func(b []byte, what string) image.Image {
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			tb.Fatalf("decode %s PNG: %v", what, err)
		}
		return img
	}
	g, w := decode(got, "rendered"), decode(want, "golden")
	b := w.Bounds()
	total = b.Dx() * b.Dy()
	if g.Bounds() != b {
		tb.Logf("rendered page is %v; golden is %v", g.Bounds(), b)
		return total, total
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if d := gray(g.At(x, y)) - gray(w.At(x, y)); d > pixelTolerance || d < -pixelTolerance {
				off++
			}
		}
	}
	return off, total
}

func gray(c interface{ RGBA() (r, g, b, a uint32) }) int {
	r, g, b, _ := c.RGBA()
	return int((r + g + b) / 3 >> 8)
}
