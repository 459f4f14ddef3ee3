package web

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"github.com/lstm-digits/lstm-digits/digit"
	"github.com/lstm-digits/lstm-digits/mnist"
)

// A shareable link: the training panel's settings and the view's choices
// (the language, the test image shown, the rows erased) in the page's
// query, so that "train this, with these settings, and look at that" can
// be sent as a link.

// link is what a link holds.
type link struct {
	settings digit.Settings
	// hasWorkers says the link names the number of workers (else the
	// page picks it for the visitor's cores).
	hasWorkers bool
	lang       string // "en", "zh-CN", or "" for the browser's
	image      int    // the index of the test image shown; -1 for none
	erased     [mnist.Rows]bool
}

// defaultLink is what a page opens with without a link: the seed's
// settings and no choices.
func defaultLink() link { return link{settings: digit.Defaults(), image: -1} }

// the link's integer settings, by their names in the query (the training
// panel's field names).
func (l *link) ints() map[string]*int {
	s := &l.settings
	return map[string]*int{
		"hidden": &s.Hidden, "layers": &s.Layers, "batch": &s.Batch, "epochs": &s.Epochs,
		"train_images": &s.TrainImages, "test_images": &s.TestImages, "workers": &s.Workers, "own_repeats": &s.OwnRepeats,
	}
}

// parseLink reads a page's query. A link with any bad value gives the
// defaults and an error that says what was wrong, in one line.
func parseLink(query string) (link, error) {
	l := defaultLink()
	if query == "" {
		return l, nil
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return defaultLink(), fmt.Errorf("the link's query: %w", err)
	}
	if err := l.read(q); err != nil {
		return defaultLink(), err
	}
	if err := l.settings.Validate(); err != nil {
		return defaultLink(), err
	}
	return l, nil
}

func (l *link) read(q url.Values) error {
	ints := l.ints()
	for key, vs := range q {
		v := vs[len(vs)-1]
		bad := func(err error) error { return fmt.Errorf("%s=%q: %w", key, v, err) }
		switch key {
		case "from":
			if v != "scratch" && v != "model" {
				return bad(fmt.Errorf("want scratch or model"))
			}
			l.settings.FromScratch = v == "scratch"
		case "lr":
			x, err := strconv.ParseFloat(v, 32)
			if err != nil {
				return bad(err)
			}
			l.settings.LR = float32(x)
		case "data":
			l.settings.Data = v // Validate checks it
		case "seed":
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return bad(err)
			}
			l.settings.Seed = n
		case "lang":
			if v != english.lang && v != chinese.lang {
				return bad(fmt.Errorf("want %s or %s", english.lang, chinese.lang))
			}
			l.lang = v
		case "image":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return bad(fmt.Errorf("want the index of a test image"))
			}
			l.image = n
		case "erase":
			for _, r := range strings.Split(v, ",") {
				n, err := strconv.Atoi(r)
				if err != nil || n < 0 || n >= mnist.Rows {
					return bad(fmt.Errorf("want rows 0 to %d, separated by commas", mnist.Rows-1))
				}
				l.erased[n] = true
			}
		default:
			p, ok := ints[key]
			if !ok {
				return fmt.Errorf("%s: not a setting of this page", key)
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				return bad(err)
			}
			*p = n
			l.hasWorkers = l.hasWorkers || key == "workers"
		}
	}
	return nil
}

// query is the link's query, which parseLink reads back.
func (l link) query() string {
	q := url.Values{}
	for key, p := range l.ints() {
		q.Set(key, strconv.Itoa(*p))
	}
	s := l.settings
	q.Set("from", map[bool]string{true: "scratch", false: "model"}[s.FromScratch])
	q.Set("lr", strconv.FormatFloat(float64(s.LR), 'g', -1, 32))
	q.Set("seed", strconv.FormatUint(s.Seed, 10))
	if s.Data != "" {
		q.Set("data", s.Data)
	}
	if l.lang != "" {
		q.Set("lang", l.lang)
	}
	if l.image >= 0 {
		q.Set("image", strconv.Itoa(l.image))
	}
	var rows []string
	for r, e := range l.erased {
		if e {
			rows = append(rows, strconv.Itoa(r))
		}
	}
	if rows != nil {
		q.Set("erase", strings.Join(rows, ","))
	}
	return q.Encode()
}

// currentLink is the link to the page as it is: the training panel's
// settings and the view's choices.
func (p *Page) currentLink() link {
	l := defaultLink()
	if p.train != nil {
		l.settings, l.hasWorkers = p.train.form, true
	}
	if p.msg != nil {
		l.lang = p.msg.lang
	}
	l.image, l.erased = p.what.shownIndex, p.what.erased
	return l
}

// renderShare is the link to the page as it is, and what was wrong with
// the link the page was opened with.
func (p *Page) renderShare(m *messages) app.UI {
	return app.Div().Class("share").Body(
		app.A().DataSet("testid", "share-link").Href("?"+p.currentLink().query()).Text(m.whatIf().share).
			On("pointerdown", p.onShareLink).On("focus", p.onShareLink).On("contextmenu", p.onShareLink),
		app.If(p.linkErr != nil, app.P().Class("notice error").Attr("role", "alert").DataSet("testid", "link-message").
			Text(fmt.Sprintf(m.whatIf().linkBad, p.linkErr))),
	)
}

// onShareLink brings the link up to date before it is followed or copied:
// the training panel's settings change without a redraw of the page.
func (p *Page) onShareLink(ctx app.Context, e app.Event) {
	ctx.JSSrc().Set("href", "?"+p.currentLink().query())
}
