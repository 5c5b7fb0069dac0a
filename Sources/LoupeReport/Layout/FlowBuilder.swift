/// Turns a document's sections into a flow of fragments, numbering headings on the way.
public final class FlowBuilder {
    let measurer: TextMeasurer
    let theme: Theme
    let width: Double
    let maxHeight: Double
    /// Said after `DataTable.nonFiniteNote` under tables that hold NaN or ∞ (the document's `nonFiniteNote`).
    public var nonFiniteNote = ""
    private var counters = [0, 0, 0]
    private var nextAnchor = 1
    private var nextGroup = 1

    /// Creates a builder for a body of `width` × `maxHeight` points.
    public init(measurer: TextMeasurer, theme: Theme, width: Double, maxHeight: Double) {
        self.measurer = measurer; self.theme = theme; self.width = width; self.maxHeight = maxHeight
    }

    /// Tables of at most this many rows keep with the chart or figure right above them.
    static let shortTableRows = 3
    /// The share of its plot height a chart keeps at least when squeezed to fit a page.
    static let chartSqueeze = 0.75

    /// A fresh id for the fragments of one split block.
    func newGroup() -> Int { defer { nextGroup += 1 }; return nextGroup }

    /// All fragments of all sections, in reading order.
    public func fragments(for sections: [Section]) throws -> [Fragment] {
        var out: [Fragment] = []
        for section in sections {
            var heading = headingFragment(section.title, level: 1, anchor: section.anchor)
            heading.breakBefore = section.startsOnNewPage
            out.append(heading)
            var previous: Block?
            for block in section.blocks {
                // A short table right under a chart or figure holds that picture's numbers: the picture keeps with it.
                if case .table(let table) = block, table.rows.count <= FlowBuilder.shortTableRows, let previous,
                   previous.isPicture, !out.isEmpty {
                    out[out.count - 1].keepWithNext = true
                }
                // A paragraph ending in a colon introduces what follows: it keeps with it.
                if case .paragraph(let runs) = block, runs.last?.text.trimmingCharacters(in: .whitespaces).hasSuffix(":") == true {
                    var parts = try fragments(for: block)
                    if !parts.isEmpty { parts[parts.count - 1].keepWithNext = true }
                    out += parts
                } else {
                    out += try fragments(for: block)
                }
                previous = block
            }
        }
        return out
    }

    /// The fragments of one block.
    public func fragments(for block: Block) throws -> [Fragment] {
        let gap = theme.blockSpacing
        switch block {
        case let .heading(title, level): return [headingFragment(title, level: min(max(level, 1), 3))]
        case let .paragraph(runs): return textFragments(StyledText(runs, style: theme.body), label: "paragraph")
        case let .bullets(items): return bulletFragments(items)
        case let .keyValue(pairs): return TableLayout(builder: self).keyValueFragments(pairs)
        case let .table(table): return try TableLayout(builder: self).fragments(table)
        case let .figure(figure): return try FigureLayout(builder: self).fragments(figure)
        case let .chart(chart):
            // A chart with nothing finite to plot would show made-up axes: a note takes its place.
            if chart.hasNothingToDraw { return textFragments(StyledText(chart.leftOutNote, style: theme.caption), label: "chart left out") }
            let titleHeight = chart.title.isEmpty ? 0 : measurer.lineHeight(theme.body.emboldened) + 4
            let caption = StyledText(chart.captionNotingNonFinite, style: theme.caption)
            let captionHeight = caption.plainText.isEmpty ? 0 : measurer.measure(caption, width: width, maxLines: 3).height + 4
            let requested = chart.height.isFinite ? max(60, chart.height) : 220
            let plotHeight = max(60, min(requested, maxHeight - titleHeight - captionHeight))
            let theme = self.theme
            let width = self.width
            var f = Fragment(label: "chart \(chart.title)", height: titleHeight + plotHeight + captionHeight,
                             spaceBefore: gap) { ctx, rect in
                if !chart.title.isEmpty {
                    ctx.canvas.drawText(StyledText(chart.title, style: theme.body.emboldened.aligned(.center)),
                                        at: Point(rect.x, rect.y), width: width, maxLines: 1)
                }
                // The paginator may have squeezed the chart: the plot takes what is left of the box.
                let plot = Rect(x: rect.x, y: rect.y + titleHeight, width: rect.width,
                                height: max(40, rect.height - titleHeight - captionHeight))
                ChartRenderer(canvas: ctx.canvas, theme: theme).draw(chart, in: plot)
                if !caption.plainText.isEmpty {
                    ctx.canvas.drawText(caption, at: Point(rect.x, plot.maxY + 4), width: width, maxLines: 3)
                }
            }
            // A chart may give up a quarter of its plot height rather than leave the rest of a page empty.
            f.minHeight = titleHeight + max(60, plotHeight * FlowBuilder.chartSqueeze) + captionHeight
            return [f]
        case let .callout(callout): return [calloutFragment(callout)]
        case let .code(text): return CodeLayout(builder: self).fragments(text)
        case .pageBreak:
            var f = Fragment(label: "page break", height: 0, spaceBefore: 0) { _, _ in }
            f.breakBefore = true
            return [f]
        }
    }

    /// A numbered heading that keeps with what follows, registers its anchor and outline entry.
    func headingFragment(_ title: String, level: Int, anchor: String? = nil) -> Fragment {
        counters[level - 1] += 1
        for l in level..<3 { counters[l] = 0 }
        let number = counters[0..<level].map(String.init).joined(separator: ".")
        let entry = HeadingEntry(number: number, title: title, level: level, destination: "h-\(nextAnchor)", page: 0)
        nextAnchor += 1
        let style = theme.heading(level)
        let text = StyledText([TextRun(number + "  " + title)], style: style)
        let metrics = measurer.measure(text, width: width, maxLines: 3)
        let below = level == 1 ? 8.0 : 3.0
        var f = Fragment(label: "heading \(number) \(title)", height: metrics.height + below,
                         spaceBefore: level == 1 ? 0 : theme.blockSpacing * 1.6) { ctx, rect in
            ctx.canvas.addDestination(entry.destination, at: Point(rect.x, rect.y))
            if let anchor { ctx.canvas.addDestination(anchor, at: Point(rect.x, rect.y)) }
            ctx.canvas.addOutlineEntry(title: number + " " + title, level: level, destination: entry.destination)
            ctx.canvas.drawText(text, at: Point(rect.x, rect.y), width: rect.width, maxLines: 3)
            if level == 1 {
                let y = rect.y + metrics.height + 3
                ctx.canvas.stroke(.segment(Point(rect.x, y), Point(rect.maxX, y)), color: .accent, lineWidth: 0.8, dash: [])
            }
        }
        f.keepWithNext = true
        f.heading = entry
        return f
    }

    /// A text block; split line by line when taller than a third of the page.
    func textFragments(_ text: StyledText, label: String, indent: Double = 0, spaceBefore: Double? = nil) -> [Fragment] {
        let w = width - indent
        let metrics = measurer.measure(text, width: w, maxLines: 0)
        let gap = spaceBefore ?? theme.blockSpacing
        if metrics.height <= maxHeight / 3 {
            return [Fragment(label: label, height: metrics.height, spaceBefore: gap) { ctx, rect in
                ctx.canvas.drawText(text, at: Point(rect.x + indent, rect.y), width: w)
            }]
        }
        // One fragment per line. When the measurer reports where lines start, each fragment draws only its
        // own line; otherwise it draws the whole text shifted up and clipped to its band.
        var out: [Fragment] = []
        var offset = 0.0
        let starts = metrics.lineStarts
        let total = text.plainText.utf8.count
        for (i, h) in metrics.lineHeights.enumerated() {
            let top = offset
            let piece: StyledText? = starts.count == metrics.lineHeights.count
                ? text.slice(starts[i]..<(i + 1 < starts.count ? starts[i + 1] : total)) : nil
            out.append(Fragment(label: "\(label) line \(i + 1)", height: h, spaceBefore: i == 0 ? gap : 0) { ctx, rect in
                if let piece {
                    // A little slack: alone, a line may measure a hair wider than inside its paragraph.
                    ctx.canvas.drawText(piece, at: Point(rect.x + indent, rect.y), width: w + 24, maxLines: 1)
                } else {
                    ctx.canvas.pushClip(Rect(x: rect.x - 2, y: rect.y, width: rect.width + 4, height: rect.height))
                    ctx.canvas.drawText(text, at: Point(rect.x + indent, rect.y - top), width: w)
                    ctx.canvas.popClip()
                }
            })
            offset += h
        }
        // Orphan and widow control: never leave the first or the last line alone on a page.
        if out.count >= 4 {
            out[0].keepWithNext = true
            out[out.count - 2].keepWithNext = true
        }
        return out
    }

    /// One fragment per bullet item.
    func bulletFragments(_ items: [[TextRun]]) -> [Fragment] {
        var out: [Fragment] = []
        let indent = 14.0
        for (i, item) in items.enumerated() {
            let text = StyledText(item, style: theme.body)
            var parts = textFragments(text, label: "bullet \(i + 1)", indent: indent,
                                      spaceBefore: i == 0 ? theme.blockSpacing : 2.5)
            if var first = parts.first {
                let inner = first.draw
                let style = theme.body.colored(.accent)
                first.draw = { ctx, rect in
                    ctx.canvas.drawText(StyledText("•", style: style), at: Point(rect.x + 3, rect.y), width: indent, maxLines: 1)
                    inner(ctx, rect)
                }
                parts[0] = first
            }
            out += parts
        }
        return out
    }

    /// A tinted, framed box with a coloured bar on the left; never split.
    func calloutFragment(_ callout: Callout) -> Fragment {
        let (bar, tint): (UInt32, UInt32) = switch callout.kind {
        case .note: (0x1F4E8C, 0xEEF3FA)
        case .caveat: (0xC98A00, 0xFFF7E3)
        case .warning: (0xB2182B, 0xFCEBEC)
        }
        let pad = 8.0, inner = width - 2 * pad - 4
        let title = StyledText(callout.title, style: theme.body.emboldened.colored(Color(hex: bar)))
        let body = StyledText(callout.body, style: theme.body)
        let th = measurer.measure(title, width: inner, maxLines: 2).height
        let bh = min(measurer.measure(body, width: inner, maxLines: 0).height, maxHeight - th - 3 * pad)
        let bodyLines = max(1, Int(bh / max(1, measurer.lineHeight(theme.body))))
        return Fragment(label: "callout \(callout.title)", height: th + bh + 2 * pad + 3, spaceBefore: theme.blockSpacing) { ctx, rect in
            ctx.canvas.fill(.rect(rect), color: Color(hex: tint))
            ctx.canvas.fill(.rect(Rect(x: rect.x, y: rect.y, width: 3.5, height: rect.height)), color: Color(hex: bar))
            ctx.canvas.drawText(title, at: Point(rect.x + pad + 4, rect.y + pad), width: inner, maxLines: 2)
            ctx.canvas.drawText(body, at: Point(rect.x + pad + 4, rect.y + pad + th + 3), width: inner, maxLines: bodyLines)
        }
    }
}

extension Block {
    /// Whether the block is a chart or an image grid.
    var isPicture: Bool {
        switch self {
        case .chart, .figure: return true
        default: return false
        }
    }
}
