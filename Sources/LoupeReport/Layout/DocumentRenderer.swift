import Foundation

/// The result of laying out a document: pages of placed fragments and headings with their pages.
public struct LaidOutDocument {
    /// Body pages (after the title page and the table of contents), each a list of placements.
    public var bodyPages: [[Placement]]
    /// Pages of the front sections, between the title page and the contents.
    public var frontPages: [[Placement]] = []
    /// Every heading with its 1-based page number.
    public var headings: [HeadingEntry]
    /// Pages taken by the table of contents.
    public var tocPageCount: Int
    /// The body area the pages were filled in.
    public var bodyArea = PageSize.a4.body
    /// Title page + front pages + contents + body.
    public var pageCount: Int { 1 + frontPages.count + tocPageCount + bodyPages.count }
    /// Page number of the first contents page.
    public var firstContentsPage: Int { 2 + frontPages.count }
    /// Page number of the first body page.
    public var firstBodyPage: Int { 2 + frontPages.count + tocPageCount }
}

/// Lays out a document and draws it page by page on a canvas: title page, contents, body.
public struct DocumentRenderer {
    public var pageSize: PageSize
    public var theme: Theme

    /// Creates a renderer for a page size.
    public init(pageSize: PageSize, theme: Theme = Theme()) { self.pageSize = pageSize; self.theme = theme }

    /// Lays out `document` using `measurer` for text sizes, without drawing.
    public func layout(_ document: Document, measurer: TextMeasurer) throws -> LaidOutDocument {
        let body = pageSize.body
        let builder = FlowBuilder(measurer: measurer, theme: theme, width: body.width, maxHeight: body.height)
        builder.nonFiniteNote = document.nonFiniteNote
        let frontFragments = try builder.fragments(for: document.frontSections)
        let fragments = try builder.fragments(for: document.sections)
        let frontPages = frontFragments.isEmpty ? [] : Paginator(body: body).paginate(frontFragments)
        let pages = Paginator(body: body).paginate(fragments)
        var headings = (frontFragments + fragments).compactMap(\.heading)
        let tocPages = document.includesTableOfContents
            ? TableOfContents(theme: theme, pageSize: pageSize).pageCount(entries: headings.filter { $0.level <= 2 },
                                                                            measurer: measurer) : 0
        var pageOf: [String: Int] = [:]
        for (i, page) in frontPages.enumerated() {
            for p in page { if let h = p.fragment.heading { pageOf[h.destination] = 2 + i } }
        }
        for (i, page) in pages.enumerated() {
            for p in page { if let h = p.fragment.heading { pageOf[h.destination] = 2 + frontPages.count + tocPages + i } }
        }
        for i in headings.indices { headings[i].page = pageOf[headings[i].destination] ?? 0 }
        var laid = LaidOutDocument(bodyPages: pages, frontPages: frontPages, headings: headings, tocPageCount: tocPages)
        laid.bodyArea = body
        return laid
    }

    /// Lays out and draws `document` on `canvas`; returns the layout.
    @discardableResult
    public func render(_ document: Document, on canvas: Canvas) throws -> LaidOutDocument {
        let laid = try layout(document, measurer: canvas)
        let total = laid.pageCount
        try canvas.beginPage(size: pageSize.size)
        TitlePage(theme: theme, pageSize: pageSize).draw(document, on: canvas)
        try canvas.endPage()
        var section = ""
        for (i, page) in laid.frontPages.enumerated() {
            try drawBodyPage(page, number: 2 + i, total: total, title: document.title, section: &section, on: canvas)
        }
        if laid.tocPageCount > 0 {
            let toc = TableOfContents(theme: theme, pageSize: pageSize)
            for i in 0..<laid.tocPageCount {
                try canvas.beginPage(size: pageSize.size)
                toc.draw(page: i, entries: laid.headings.filter { $0.level <= 2 }, on: canvas)
                drawRunningHeader(document.title, section: "Contents", page: laid.firstContentsPage + i, of: total, on: canvas)
                try canvas.endPage()
            }
        }
        for (i, page) in laid.bodyPages.enumerated() {
            try drawBodyPage(page, number: laid.firstBodyPage + i, total: total, title: document.title, section: &section, on: canvas)
        }
        return laid
    }

    /// Draws one page of placed fragments with its running header; `section` tracks the current level-1 heading.
    private func drawBodyPage(_ page: [Placement], number: Int, total: Int, title: String, section: inout String,
                              on canvas: Canvas) throws {
        try canvas.beginPage(size: pageSize.size)
        if let h = page.first(where: { $0.fragment.heading?.level == 1 })?.fragment.heading {
            section = h.number + "  " + h.title
        }
        // The box of each group's fragments on this page, for what a split block draws once per page.
        var groupRects: [Int: Rect] = [:]
        for placement in page {
            guard let g = placement.fragment.group else { continue }
            groupRects[g] = groupRects[g].map { $0.union(placement.rect) } ?? placement.rect
        }
        var drawnGroups = Set<Int>()
        for placement in page {
            let group = placement.fragment.group
            let ctx = DrawContext(canvas: canvas, pageNumber: number, groupRect: group.flatMap { groupRects[$0] },
                                  isFirstOfGroupOnPage: group.map { drawnGroups.insert($0).inserted } ?? true)
            placement.fragment.draw(ctx, placement.rect)
        }
        drawRunningHeader(title, section: section, page: number, of: total, on: canvas)
        try canvas.endPage()
    }

    /// The report title and current section above a rule, and "Page X of Y" at the bottom.
    private func drawRunningHeader(_ title: String, section: String, page: Int, of total: Int, on canvas: Canvas) {
        let m = pageSize.margin, w = pageSize.size.width - 2 * m
        let style = theme.headerFooter
        let lh = canvas.lineHeight(style)
        let y = m - lh - 3
        canvas.drawText(StyledText(title, style: style), at: Point(m, y), width: w * 0.48, maxLines: 1)
        canvas.drawText(StyledText(section, style: style.aligned(.right)), at: Point(m + w * 0.5, y), width: w * 0.5, maxLines: 1)
        canvas.stroke(.segment(Point(m, m), Point(m + w, m)), color: .rule, lineWidth: 0.4, dash: [])
        let fy = pageSize.size.height - m + 6
        canvas.stroke(.segment(Point(m, fy - 4), Point(m + w, fy - 4)), color: .rule, lineWidth: 0.4, dash: [])
        canvas.drawText(StyledText("Page \(page) of \(total)", style: style.aligned(.center)), at: Point(m, fy), width: w, maxLines: 1)
    }
}
