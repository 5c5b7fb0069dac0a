/// Places fragments onto pages: page breaks, keep-with-next and repeated table headers.
public struct Paginator {
    /// The body area of every page.
    public var body: Rect

    /// Creates a paginator for a body area.
    public init(body: Rect) { self.body = body }

    /// Splits `fragments` into pages, in order; the result always has at least one page.
    public func paginate(_ fragments: [Fragment]) -> [[Placement]] {
        var pages: [[Placement]] = [[]]
        var y = body.y
        func newPage() { if !(pages.last?.isEmpty ?? true) { pages.append([]) }; y = body.y }
        func place(_ f: Fragment, spacing: Double) {
            let rect = Rect(x: body.x, y: y + spacing, width: body.width, height: f.height)
            pages[pages.count - 1].append(Placement(fragment: f, rect: rect))
            y = rect.maxY
        }
        let atTop = { y == body.y }

        var i = 0
        while i < fragments.count {
            let f = fragments[i]
            if f.breakBefore { newPage() }
            if f.height == 0 && f.label == "page break" { i += 1; continue }
            // The chain of fragments that must stay together with this one.
            var needed = (atTop() ? 0 : f.spaceBefore) + f.height
            var j = i
            while fragments[j].keepWithNext, j + 1 < fragments.count, !fragments[j + 1].breakBefore {
                j += 1
                needed += fragments[j].spaceBefore + fragments[j].height
            }
            if y + needed > body.maxY + 0.01 && !atTop() {
                newPage()
                for h in f.repeatedHeader { place(h, spacing: 0) }
            }
            place(f, spacing: atTop() ? 0 : f.spaceBefore)
            i += 1
        }
        return pages
    }
}
