/// The contents pages: one linked line per heading with dot leaders and the page number.
struct TableOfContents {
    let theme: Theme
    let pageSize: PageSize

    static let entryHeight = 17.0

    private func titleHeight(_ measurer: TextMeasurer) -> Double {
        measurer.measure(StyledText("Contents", style: theme.heading1), width: 400, maxLines: 1).height + 14
    }

    /// Entries fitting on page `index` (0-based): the first page also carries the title.
    private func capacity(page index: Int, titleHeight: Double) -> Int {
        let h = pageSize.body.height - (index == 0 ? titleHeight : 0)
        return max(1, Int(h / TableOfContents.entryHeight))
    }

    /// Pages needed for `entries` lines.
    func pageCount(entries: Int, measurer: TextMeasurer) -> Int {
        let th = titleHeight(measurer)
        var remaining = entries - capacity(page: 0, titleHeight: th)
        var pages = 1
        while remaining > 0 { remaining -= capacity(page: pages, titleHeight: th); pages += 1 }
        return pages
    }

    /// Draws the entries belonging to contents page `index`.
    func draw(page index: Int, entries: [HeadingEntry], on canvas: Canvas) {
        let body = pageSize.body
        let th = titleHeight(canvas)
        var start = 0
        for p in 0..<index { start += capacity(page: p, titleHeight: th) }
        var y = body.y
        if index == 0 {
            canvas.drawText(StyledText("Contents", style: theme.heading1), at: Point(body.x, y), width: body.width, maxLines: 1)
            y += th
        }
        let slice = entries.dropFirst(start).prefix(capacity(page: index, titleHeight: th))
        for entry in slice {
            let top = entry.level == 1
            let indent = top ? 0.0 : 22.0
            var style = theme.body
            style.bold = top
            let numberWidth = top ? 22.0 : 30.0
            let pageWidth = 30.0
            let lh = canvas.lineHeight(style)
            let rowY = y + (top ? 3 : 0)
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
            y += TableOfContents.entryHeight + (top ? 3 : 0)
        }
    }
}
