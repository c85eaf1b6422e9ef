package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/blurline/blurline/server"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// open navigates to a view and waits until it has drawn (window.WB.view
// ready) without an error.
func (b *browser) open(t *testing.T, url string) {
	t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	b.settle(t, url)
}

// settle waits until the view is ready and no request is in flight.
func (b *browser) settle(t *testing.T, what string) {
	t.Helper()
	poll(t, b, what, `window.WB && window.WB.view && window.WB.view.ready && window.WB.loading === 0`)
	if e := eval[string](t, b, `String(window.WB.view.error || "")`); e != "" {
		t.Fatalf("%s: the view failed: %s", what, e)
	}
}

// size sets the window's size in CSS pixels.
func (b *browser) size(t *testing.T, w, h int) {
	t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
		t.Fatal(err)
	}
}

// text is the visible text of the elements matching a CSS selector.
func text(t *testing.T, b *browser, sel string) string {
	t.Helper()
	return eval[string](t, b, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(e => e.innerText).join("\n")`, sel))
}

func mustContain(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s does not show %q:\n%s", what, w, clip(got, 1500))
		}
	}
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// noOverlaps checks, from the positions cytoscape rendered, that no visible
// label (of a node or an edge) overlaps another.
func noOverlaps(t *testing.T, b *browser, cy, what string) {
	t.Helper()
	ov := eval[[][]string](t, b, fmt.Sprintf(`WB.overlaps(%s)`, cy))
	if len(ov) > 0 {
		t.Errorf("%s: %d pairs of labels overlap, e.g. %v", what, len(ov), ov[:min(len(ov), 5)])
	}
	n := eval[int](t, b, fmt.Sprintf(`WB.labelBoxes(%s).length`, cy))
	if n < 2 {
		t.Errorf("%s: %d visible labels, want a picture", what, n)
	}
}

// TestWorkbench acts as an analyst in the workbench's views, in headless
// Chromium against the real server and the seed: it chooses a state, clicks
// an actor, moves the time slider, compares two dates, filters the
// explorer, opens a details panel, and asserts on what is on screen. It
// keeps a screenshot of each view (docs/server.md shows them).
func TestWorkbench(t *testing.T) {
	ts := startServer(t, server.Config{})
	b := newBrowser(t)
	b.size(t, 1280, 860)

	t.Run("blur", func(t *testing.T) {
		b.open(t, ts.URL+"/blur")
		if st := eval[string](t, b, `document.getElementById("state").value`); st != "prc" {
			t.Errorf("the dashboard opens on state %q, want prc", st)
		}
		table := text(t, b, "#ranking tbody")
		mustContain(t, "the PRC ranking", table, "MSS criminal contract hackers", "0.505", "APT40", "APT41", "HAFNIUM", "i-Soon")
		// The first actor is selected: its path is drawn, one box per
		// entity, one labelled arrow per hop, and its sources listed.
		hops := eval[[]string](t, b, `WB.view.cy.edges().map(e => e.data("label"))`)
		mustContain(t, "the evidence path's hop labels", strings.Join(hops, " | "), "partOf", "taskedBy", "state-ordered", "0.85")
		boxes := eval[[]string](t, b, `WB.view.cy.nodes().map(n => n.data("label"))`)
		mustContain(t, "the evidence path's boxes", strings.Join(boxes, " | "), "People's Republic of China", "Ministry of State Security", "MSS criminal contract hackers")
		noOverlaps(t, b, "WB.view.cy", "the evidence path of the MSS contract hackers")
		b.screenshot(t, "blur-dashboard.png")

		// Click APT40: its evidence replaces the first.
		draws := eval[int](t, b, `WB.view.draws`)
		click(t, b, `#ranking tr[data-actor="apt40"]`)
		poll(t, b, "APT40's evidence", fmt.Sprintf(`WB.view.draws > %d && WB.loading === 0`, draws))
		mustContain(t, "the evidence title", text(t, b, "#evidenceTitle"), "APT40", "0.337")
		hops = eval[[]string](t, b, `WB.view.cy.edges().map(e => e.data("label"))`)
		if len(hops) < 2 {
			t.Errorf("APT40's path has %d hops: %v", len(hops), hops)
		}
		mustContain(t, "APT40's hops", text(t, b, "#hops"), "Hainan State Security Department", "According to", "Confidence")
		links := eval[[]string](t, b, `[...document.querySelectorAll("#hops a.source")].map(a => a.href)`)
		if len(links) < 2 || !strings.HasPrefix(links[0], "http") {
			t.Errorf("APT40's hops list source links %v, want a link per source", links)
		}
		mustContain(t, "the other control paths", text(t, b, "#paths"), "facts:")
		// With source records in the API, each source shows its publisher,
		// date and Admiralty reliability.
		if rec := eval[string](t, b, `String((WB.capsValue || {}).sourceField || "")`); rec != "" {
			mustContain(t, "APT40's sources with their records", text(t, b, "#hops ul.sources"), "reliability ", " · ")
		}
		if u := eval[string](t, b, `location.search`); !strings.Contains(u, "actor=apt40") || !strings.Contains(u, "state=prc") {
			t.Errorf("the deep link is %q, want state and actor", u)
		}
		noOverlaps(t, b, "WB.view.cy", "APT40's evidence path")
		b.screenshot(t, "blur-apt40.png")

		// Keyboard: from APT40's row, the next row with the arrow key and Enter.
		eval[chromedp.Void](t, b, `void document.querySelector('#ranking tr[data-actor="apt40"]').focus()`)
		next := eval[string](t, b, `document.querySelector('#ranking tr[data-actor="apt40"]').nextSibling.dataset.actor`)
		draws = eval[int](t, b, `WB.view.draws`)
		keys(t, b, kb.ArrowDown, kb.Enter)
		poll(t, b, "the next actor by keyboard", fmt.Sprintf(`WB.view.draws > %d && WB.view.actor === %q`, draws, next))

		// Move the time slider to 18 July 2021, the eve of the joint
		// attribution: APT40 leaves the ranking, APT41 and HAFNIUM stay.
		draws = eval[int](t, b, `WB.view.draws`)
		slide(t, b, "#asOfRange", "2021-07-18")
		poll(t, b, "the ranking of 18 July 2021", fmt.Sprintf(`WB.view.draws > %d && WB.loading === 0 && WB.view.ready`, draws))
		table = text(t, b, "#ranking tbody")
		mustContain(t, "the ranking as of 2021-07-18", table, "APT41", "0.453", "HAFNIUM", "0.302")
		if strings.Contains(table, "APT40") {
			t.Errorf("APT40 is ranked as of 2021-07-18, before its control facts were published:\n%s", table)
		}
		mustContain(t, "the slider's label", text(t, b, "#asOfLabel"), "2021-07-18")
		b.screenshot(t, "blur-2021-07-18.png")

		// Replay steps through the dates of the control and structural
		// facts; a second press pauses it.
		click(t, b, "#play")
		poll(t, b, "the replay to move the slider", `document.getElementById("play").getAttribute("aria-pressed") === "true" && WB.view.draws > 0 && /as of (19|20)/.test(document.getElementById("asOfLabel").textContent)`)
		click(t, b, "#play")
		if p := eval[string](t, b, `document.getElementById("play").getAttribute("aria-pressed")`); p != "false" {
			t.Errorf("the replay did not pause: aria-pressed=%s", p)
		}
		b.settle(t, "the paused replay")

		// The deep link reopens the view.
		b.open(t, ts.URL+"/blur?state=prc&actor=hafnium&asOf=2021-07-18")
		mustContain(t, "the reopened evidence", text(t, b, "#evidenceTitle"), "HAFNIUM")
	})

	t.Run("changes", func(t *testing.T) {
		b.open(t, ts.URL+"/changes?from=2021-07-18&to=2021-07-20&state=prc")
		mustContain(t, "the blur moves", text(t, b, "#moves"), "MSS criminal contract hackers", "+0.505", "APT40", "+0.337", "Wu Shurong")
		mustContain(t, "the attributions made", text(t, b, "#attributions"), "2021-07-19", "Australia", "Ministry of State Security", "United Kingdom")
		// 138 facts of the case, and the 84 of the toolbox and the experts' assessments published on 19 July 2021.
		mustContain(t, "the facts that began", text(t, b, "#beganTitle"), "(222)")
		mustContain(t, "the facts that began", text(t, b, "#began"), "is sponsored by", "According to")
		b.screenshot(t, "changes-2021-07-18-to-20.png")

		// Lithuania left 17+1 on 22 May 2021: between May and June a
		// structural fact ends.
		eval[chromedp.Void](t, b, `void (document.getElementById("from").value = "2021-05-01", document.getElementById("to").value = "2021-06-01")`)
		draws := eval[int](t, b, `WB.view.draws`)
		click(t, b, "#compare")
		poll(t, b, "the May-June comparison", fmt.Sprintf(`WB.view.draws > %d && WB.loading === 0`, draws))
		mustContain(t, "the facts that ended", text(t, b, "#ended"), "2021-05-22", "Lithuania", "is a member of")
		mustContain(t, "the blur moves", text(t, b, "#moves"), "No score moved")
		if u := eval[string](t, b, `location.search`); !strings.Contains(u, "from=2021-05-01") {
			t.Errorf("the deep link is %q", u)
		}
	})

	t.Run("entity", func(t *testing.T) {
		b.open(t, ts.URL+"/entity?id=apt40")
		mustContain(t, "APT40's page", text(t, b, "#page header"), "APT40", "ThreatGroup")
		mustContain(t, "APT40's aliases", text(t, b, "#about"), "Kryptonite Panda", "mitre-attack:G0065")
		mustContain(t, "APT40's relationships", text(t, b, "#relationships"), "is attributed to", "is sponsored by", "According to", "Hainan State Security Department")
		mustContain(t, "APT40's attribution to others", text(t, b, "#attributedAs"), "Canada", "Hainan State Security Department", "political")
		if n := eval[int](t, b, `document.querySelectorAll("#timeline circle").length`); n < 2 {
			t.Errorf("the timeline has %d dots", n)
		}
		b.screenshot(t, "entity-apt40.png")
		before := eval[int](t, b, `document.querySelectorAll("#attributedAs li").length`)
		draws := eval[int](t, b, `WB.view.draws`)
		slide(t, b, "#asOfRange", "2021-07-18")
		poll(t, b, "APT40 as of 18 July 2021", fmt.Sprintf(`WB.view.draws > %d && WB.loading === 0`, draws))
		after := eval[int](t, b, `document.querySelectorAll("#attributedAs li").length`)
		if after >= before {
			t.Errorf("APT40's attributions: %d now, %d as of 2021-07-18; want fewer then", before, after)
		}
		// The PRC's page counts the attributions to its organs (the MSS).
		b.open(t, ts.URL+"/entity?id=prc")
		mustContain(t, "attributions to the PRC and its organs", text(t, b, "#received"), "Ministry of State Security", "People's Republic of China")
	})

	t.Run("explore", func(t *testing.T) {
		// The default view: the MSS, one hop, readable.
		b.open(t, ts.URL+"/explore")
		names := eval[[]string](t, b, `WB.view.cy.nodes(":visible").map(n => n.data("name"))`)
		mustContain(t, "the MSS's neighbourhood", strings.Join(names, " | "), "Ministry of State Security", "Hainan State Security Department", "People's Republic of China")
		noOverlaps(t, b, "WB.view.cy", "the default view (the MSS, one hop)")
		merged := eval[[]string](t, b, `WB.view.cy.edges().filter(e => e.data("facts").length > 1).map(e => e.data("label"))`)
		if len(merged) == 0 || !strings.Contains(strings.Join(merged, " "), "×") {
			t.Errorf("no merged parallel facts with a count: %v", merged)
		}
		b.screenshot(t, "explore-mss.png")

		// A details panel: the Exchange compromise attributed to the MSS by
		// three parties, in words, with links.
		eval[chromedp.Void](t, b, `void WB.view.cy.getElementById("e:exchange-compromise-2021|attributedTo|mss").emit("tap")`)
		details := text(t, b, "#details")
		mustContain(t, "the details of a merged edge", details, "3 facts say so", "is attributed to", "According to", "political attribution", "Confidence")
		if n := eval[int](t, b, `document.querySelectorAll("#details a.source").length`); n < 3 {
			t.Errorf("the details panel links %d sources", n)
		}
		b.screenshot(t, "explore-details.png")
		// The entity list gives keyboard access to the nodes.
		eval[chromedp.Void](t, b, `void document.querySelector('#inview button[data-id="hainan-ssd"]').focus()`)
		keys(t, b, kb.Enter)
		mustContain(t, "the details of a node", text(t, b, "#details"), "Hainan State Security Department", "RegionalBureau", "Entity page")

		// Filters: no attributions, confidence at least 0.9.
		eval[chromedp.Void](t, b, `void document.querySelector('#kindFilter input[value="attribution"]').click()`)
		slide(t, b, "#minConf", "0.9")
		visible := eval[[]string](t, b, `WB.view.cy.edges(":visible").map(e => e.data("predicate") + " " + e.data("confidence"))`)
		for _, v := range visible {
			var conf float64
			var pred string
			fmt.Sscanf(v, "%s %g", &pred, &conf)
			if pred == "attributedTo" || conf < 0.9 {
				t.Errorf("filtered out but shown: %s", v)
			}
		}
		if len(visible) == 0 {
			t.Errorf("the filters left nothing")
		}
		noOverlaps(t, b, "WB.view.cy", "the filtered view")
		// With graded source records in the API: only facts with a source
		// of reliability A or B.
		if rec := eval[string](t, b, `String((WB.capsValue || {}).sourceField || "")`); rec != "" {
			before := eval[int](t, b, `WB.view.cy.edges(":visible").length`)
			eval[chromedp.Void](t, b, `void (document.getElementById("grade").value = "B", document.getElementById("grade").dispatchEvent(new Event("change")))`)
			bad := eval[[]string](t, b, fmt.Sprintf(`WB.view.cy.edges(":visible").filter(e => !e.data("shown").every(s => (s.%s || []).some(r => "AB".includes(r.reliability)))).map(e => e.id())`, rec))
			if len(bad) > 0 {
				t.Errorf("the grade filter shows facts without an A or B source: %v", bad)
			}
			t.Logf("grade B or better: %d edges of %d", eval[int](t, b, `WB.view.cy.edges(":visible").length`), before)
			eval[chromedp.Void](t, b, `void (document.getElementById("grade").value = "", document.getElementById("grade").dispatchEvent(new Event("change")))`)
		}
		if u := eval[string](t, b, `location.search`); !strings.Contains(u, "minConf=0.9") || !strings.Contains(u, "kinds=") {
			t.Errorf("the deep link %q does not keep the filters", u)
		}
		b.screenshot(t, "explore-filtered.png")
		// Open in the playground carries the query drawn.
		play := eval[string](t, b, `document.getElementById("playLink").href`)
		if !strings.Contains(play, "query=") || !strings.Contains(play, "neighbourhood") {
			t.Errorf("open in the playground: %s", play)
		}

		// HAFNIUM's neighbourhood and the PRC as of 2020: no label on another.
		for _, c := range []struct{ url, shot string }{
			{"/explore?id=hafnium", "explore-hafnium.png"},
			{"/explore?id=prc&asOf=2020-01-01", "explore-prc-2020.png"},
			{"/explore?id=mss&hops=2", "explore-mss-2hops.png"},
		} {
			b.open(t, ts.URL+c.url)
			noOverlaps(t, b, "WB.view.cy", c.url)
			t.Logf("%s: %d entities, %d edges, %d edge labels hidden; layout %d ms, declutter %d ms", c.url, eval[int](t, b, `WB.view.cy.nodes().length`),
				eval[int](t, b, `WB.view.cy.edges().length`), eval[int](t, b, `WB.view.hidden`), eval[int](t, b, `WB.view.layoutMs`), eval[int](t, b, `WB.view.declutterMs`))
			b.screenshot(t, c.shot)
		}

		// The time slider replays the graph: the PRC now, then as of 2015.
		b.open(t, ts.URL+"/explore?id=prc")
		now := eval[int](t, b, `WB.view.cy.nodes().length`)
		draws := eval[int](t, b, `WB.view.draws`)
		slide(t, b, "#asOfRange", "2015-01-01")
		poll(t, b, "the PRC as of 2015", fmt.Sprintf(`WB.view.draws > %d && WB.loading === 0 && WB.view.ready`, draws))
		then := eval[int](t, b, `WB.view.cy.nodes().length`)
		if then >= now {
			t.Errorf("the PRC's neighbourhood: %d entities now, %d as of 2015; want fewer then", now, then)
		}
		noOverlaps(t, b, "WB.view.cy", "the PRC as of 2015")

		// Replay steps the slider through the picture's dates; a second
		// press pauses it.
		click(t, b, "#play")
		poll(t, b, "the replay to move the slider", `document.getElementById("play").getAttribute("aria-pressed") === "true" && document.getElementById("asOfLabel").textContent.startsWith("as of")`)
		click(t, b, "#play")
		if p := eval[string](t, b, `document.getElementById("play").getAttribute("aria-pressed")`); p != "false" {
			t.Errorf("the replay did not pause: aria-pressed=%s", p)
		}
		b.settle(t, "the paused replay")

		// Paths, left to right, control and structural facts by default.
		b.open(t, ts.URL+"/explore?from=mss&to=hafnium")
		labels := eval[[]string](t, b, `WB.view.cy.edges(":visible").map(e => e.hasClass("nolabel") ? "" : e.data("label"))`)
		mustContain(t, "the paths' hop labels", strings.Join(labels, " | "), "partOf", "sponsoredBy ×2", "originatesFrom")
		if bad := eval[[]string](t, b, `WB.view.cy.edges().filter(e => !["control", "structural"].includes(e.data("kind"))).map(e => e.id())`); len(bad) > 0 {
			t.Errorf("the blur paths walk other facts: %v", bad)
		}
		xs := eval[[]float64](t, b, `["mss", "prc", "hafnium"].map(id => WB.view.cy.getElementById(id).position("x"))`)
		if !(xs[0] < xs[1] && xs[1] < xs[2]) {
			t.Errorf("the path is not drawn left to right: x = %v", xs)
		}
		noOverlaps(t, b, "WB.view.cy", "the paths from the MSS to HAFNIUM")
		b.screenshot(t, "explore-path.png")
		b.open(t, ts.URL+"/explore?from=mss&to=ding-xiaoyang,cheng-qingmin,zhu-yunmin,wu-shurong")
		names = eval[[]string](t, b, `WB.view.cy.nodes().map(n => n.data("name"))`)
		mustContain(t, "the paths to the defendants", strings.Join(names, " | "), "Ding Xiaoyang", "Cheng Qingmin", "Zhu Yunmin", "Wu Shurong", "Hainan State Security Department")
		noOverlaps(t, b, "WB.view.cy", "the paths to the four defendants")
		b.screenshot(t, "explore-paths-to-defendants.png")

		// Export: PNG and SVG of the picture.
		if n := eval[int](t, b, `WB.view.cy.png({output: "base64", full: true}).length`); n < 1000 {
			t.Errorf("PNG export: %d bytes of base64", n)
		}
		svg := eval[string](t, b, `WB.view.cy.svg({full: true})`)
		if !strings.Contains(svg, "<svg") || !strings.Contains(svg, "Wu Shurong") {
			t.Errorf("SVG export: %s", clip(svg, 300))
		}
		click(t, b, "#svg")
		click(t, b, "#png")
	})

	t.Run("playground", func(t *testing.T) {
		if err := chromedp.Do(b.ctx, chromedp.Navigate(ts.URL+"/")); err != nil {
			t.Fatal(err)
		}
		poll(t, b, "GraphiQL with the explorer plugin", `document.querySelector(".graphiql-query-editor .CodeMirror") && document.querySelector(".graphiql-explorer-root")`)
		// The explorer is open, on screen, and lists the queries.
		poll(t, b, "the explorer on screen", `document.querySelector(".graphiql-explorer-root").getBoundingClientRect().left >= 0 && document.querySelector(".graphiql-explorer-root").getBoundingClientRect().width > 100`)
		fields := eval[[]string](t, b, `[...document.querySelectorAll(".graphiql-explorer-root [data-field-name]")].map(e => e.dataset.fieldName)`)
		mustContain(t, "the explorer's fields", strings.Join(fields, " "), "changes", "pathsFrom", "blurRanking", "attributions")
		// Tick a field: the query grows by it.
		before := eval[string](t, b, `document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.getValue()`)
		eval[chromedp.Void](t, b, `void document.querySelector('.graphiql-explorer-root [data-field-name="stats"]').click()`)
		poll(t, b, "the ticked field in the query", `document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.getValue().includes("stats")`)
		if after := eval[string](t, b, `document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.getValue()`); after == before {
			t.Errorf("ticking stats in the explorer left the query as it was")
		}
		tabs := eval[[]string](t, b, `[...document.querySelectorAll(".graphiql-tab")].map(t => t.textContent)`)
		mustContain(t, "the example tabs", strings.Join(tabs, " "), "WhatChanged", "PathsToDefendants", "AttributionsToPRC")
		b.screenshot(t, "playground-explorer.png")

		// A workbench link opens its query; a result that names entities
		// offers them in the workbench.
		b.open(t, ts.URL+"/blur?state=prc&actor=apt40")
		play := eval[string](t, b, `document.getElementById("playLink").href`)
		if err := chromedp.Do(b.ctx, chromedp.Navigate(play)); err != nil {
			t.Fatal(err)
		}
		poll(t, b, "the workbench's query in the editor", `(document.querySelector(".graphiql-query-editor .CodeMirror")?.CodeMirror.getValue() || "").includes("query Blur(")`)
		vars := eval[string](t, b, `document.querySelector(".graphiql-editor-tool .CodeMirror")?.CodeMirror.getValue() || ""`)
		mustContain(t, "the workbench's variables", vars, `"actor": "apt40"`)
		poll(t, b, "GraphiQL to read the query", `[...document.querySelectorAll(".graphiql-tab")].some(t => t.textContent.includes("Blur"))`)
		eval[chromedp.Void](t, b, `void document.querySelector(".graphiql-execute-button").click()`)
		poll(t, b, "the workbench links of the result", `!document.getElementById("workbench").hidden`)
		bar := text(t, b, "#workbench")
		mustContain(t, "the workbench bar", bar, "Open in the workbench", "Hainan State Security Department")
		href := eval[string](t, b, `document.querySelector('#workbench a[data-id="hainan-ssd"]').getAttribute("href")`)
		if href != "/entity?id=hainan-ssd" {
			t.Errorf("the workbench link is %q", href)
		}
		b.screenshot(t, "playground-from-workbench.png")
	})

	t.Run("1024px", func(t *testing.T) {
		b.size(t, 1024, 768)
		defer b.size(t, 1280, 860)
		for _, c := range []struct{ url, shot string }{
			{"/blur", "blur-1024.png"},
			{"/explore", "explore-1024.png"},
			{"/entity?id=mss", "entity-1024.png"},
			{"/changes", "changes-1024.png"},
		} {
			b.open(t, ts.URL+c.url)
			if w := eval[int](t, b, `document.documentElement.scrollWidth`); w > 1024 {
				t.Errorf("%s is %d px wide at 1024 px: it scrolls sideways", c.url, w)
			}
			if strings.HasPrefix(c.url, "/explore") || strings.HasPrefix(c.url, "/blur") {
				noOverlaps(t, b, "WB.view.cy", c.url+" at 1024 px")
			}
			b.screenshot(t, c.shot)
		}
	})
}

// click clicks the element a CSS selector matches, as a mouse would.
func click(t *testing.T, b *browser, sel string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
}

// keys types keys into the focused element.
func keys(t *testing.T, b *browser, ks ...string) {
	t.Helper()
	for _, k := range ks {
		if err := chromedp.Do(b.ctx, chromedp.KeyEvent(k)); err != nil {
			t.Fatalf("key %q: %v", k, err)
		}
	}
}

// slide moves a range input: to a day (a date slider, value = days since
// its start) or to a number, and fires its input event as a drag does.
func slide(t *testing.T, b *browser, sel, to string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const r = document.querySelector(%q), v = %q;
		r.value = /^\d{4}-/.test(v) ? Math.round((Date.parse(v) - Date.UTC(2010, 0, 1)) / 86400000) : v;
		r.dispatchEvent(new Event("input", {bubbles: true})); })()`, sel, to)
	eval[chromedp.Void](t, b, js)
}
