/// The contents pages: one linked line per heading with dot leaders and the page number.
///
/// Rows are 17 pt apart (plus 3 pt above a chapter) when they fit on one page; a longer list is
/// tightened down to `tightestEntryHeight` before it spills onto a second page.
struct TableOfContents {
    let theme: Theme
    let pageSize: PageSize

    static let entryHeight = 17.0
    /// The closest row spacing, still a little more than one line of body text.
    static let tightestEntryHeight = 12.5
    /// Extra space above a chapter row, as a share of the row spacing.
    static let chapterGapShare = 3.0 / 17.0

    private func titleHeight(_ measurer: TextMeasurer) -> Double {
        measurer.measure(StyledText("Contents", style: theme.heading1), width: 400, maxLines: 1).height + 14
    }

    /// The row spacing: as loose as possible while the entries fit on one page, else the tightest.
    func spacing(for entries: [HeadingEntry], measurer: TextMeasurer) -> Double {
        let available = pageSize.body.height - titleHeight(measurer)
        let chapters = Double(entries.filter { $0.level == 1 }.count)
        let rows = Double(entries.count) + chapters * TableOfContents.chapterGapShare
        guard rows > 0 else { return TableOfContents.entryHeight }
        return min(TableOfContents.entryHeight, max(TableOfContents.tightestEntryHeight, available / rows))
    }

    /// The entries of each contents page, in order (at least one page).
    func pages(_ entries: [HeadingEntry], measurer: TextMeasurer) -> [ArraySlice<HeadingEntry>] {
        let step = spacing(for: entries, measurer: measurer)
        let gap = step * TableOfContents.chapterGapShare
        var out: [ArraySlice<HeadingEntry>] = []
        var start = entries.startIndex
        var used = titleHeight(measurer)
        for i in entries.indices {
            let needed = step + (entries[i].level == 1 ? gap : 0)
            if used + needed > pageSize.body.height + 0.01 && i > start {
                out.append(entries[start..<i])
                start = i
                used = 0
            }
            used += needed
        }
        out.append(entries[start..<entries.endIndex])
        return out
    }

    /// Pages needed for `entries`.
    func pageCount(entries: [HeadingEntry], measurer: TextMeasurer) -> Int { pages(entries, measurer: measurer).count }

    /// Draws the entries belonging to contents page `index`.
    func draw(page index: Int, entries: [HeadingEntry], on canvas: Canvas) {
        let body = pageSize.body
        let th = titleHeight(canvas)
        let step = spacing(for: entries, measurer: canvas)
        let pages = pages(entries, measurer: canvas)
        guard index < pages.count else { return }
        var y = body.y
        if index == 0 {
            canvas.drawText(StyledText("Contents", style: theme.heading1), at: Point(body.x, y), width: body.width, maxLines: 1)
            y += th
        }
        for entry in pages[index] {
            let top = entry.level == 1
            let indent = top ? 0.0 : 22.0
            var style = theme.body
            style.bold = top
            let numberWidth = top ? 22.0 : 30.0
            let pageWidth = 30.0
            let lh = canvas.lineHeight(style)
            let rowY = y + (top ? step * TableOfContents.chapterGapShare : 0)
            canvas.drawText(StyledText(entry.number, style: style), at: Point(body.x + indent, rowY), width: numberWidth, maxLines: 1)
            let titleX = body.x + indent + numberWidth
            let titleWidth = body.maxX - pageWidth - titleX - 8
            let title = StyledText(entry.title, style: style)
            let used = min(titleWidth, canvas.measure(title, width: titleWidth, maxLines: 1).width)
            canvas.drawText(title, at: Point(titleX, rowY), width: titleWidth, maxLines: 1)
            // Dot leaders from the end of the title to the page number.
            let leaderY = rowY + lh * 0.78
            if body.maxX - pageWidth - 4 > titleX + used + 6 {
                canvas.stroke(.segment(Point(titleX + used + 4, leaderY), Point(body.maxX - pageWidth, leaderY)),
                              color: .rule, lineWidth: 0.7, dash: [0.7, 2.6])
            }
            canvas.drawText(StyledText(String(entry.page), style: style.aligned(.right)),
                            at: Point(body.maxX - pageWidth, rowY), width: pageWidth, maxLines: 1)
            canvas.addLink(.destination(entry.destination),
                           rect: Rect(x: body.x + indent, y: rowY - 1, width: body.width - indent, height: lh + 2))
            y = rowY + step
        }
    }
}
