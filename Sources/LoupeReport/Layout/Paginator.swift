/// Places fragments onto pages: page breaks, keep-with-next, squeezable fragments and repeated table headers.
public struct Paginator {
    /// The body area of every page.
    public var body: Rect

    /// Creates a paginator for a body area.
    public init(body: Rect) { self.body = body }

    /// Splits `fragments` into pages, in order; the result always has at least one page.
    ///
    /// A chain of fragments tied by `keepWithNext` moves to a new page when it does not fit. Before moving,
    /// squeezable fragments of the chain (`minHeight`) give up height down to their minimum, so a chart that
    /// misses the page by a few lines shrinks a little instead of leaving most of the page blank.
    public func paginate(_ input: [Fragment]) -> [[Placement]] {
        var fragments = input
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
            if fragments[i].breakBefore { newPage() }
            if fragments[i].height == 0 && fragments[i].label == "page break" {
                // The next fragment opens the new page: it carries the break, so page fill knows why the page ended.
                if i + 1 < fragments.count { fragments[i + 1].breakBefore = true }
                i += 1; continue
            }
            // The chain of fragments that must stay together with this one.
            var needed = (atTop() ? 0 : fragments[i].spaceBefore) + fragments[i].height
            var j = i
            while fragments[j].keepWithNext, j + 1 < fragments.count, !fragments[j + 1].breakBefore {
                j += 1
                needed += fragments[j].spaceBefore + fragments[j].height
            }
            let excess = y + needed - body.maxY
            if excess > 0.01 && !atTop() {
                if squeeze(&fragments, chain: i...j, by: excess) == false {
                    newPage()
                    for h in fragments[i].repeatedHeader { place(h, spacing: 0) }
                }
            }
            place(fragments[i], spacing: atTop() ? 0 : fragments[i].spaceBefore)
            i += 1
        }
        return pages
    }

    /// Takes `excess` points from the squeezable fragments of `chain`, in order; false (and nothing changed)
    /// when they cannot give that much.
    private func squeeze(_ fragments: inout [Fragment], chain: ClosedRange<Int>, by excess: Double) -> Bool {
        let slack = chain.reduce(0.0) { sum, k in sum + max(0, fragments[k].height - (fragments[k].minHeight ?? fragments[k].height)) }
        guard slack > 0, slack + 0.01 >= excess else { return false }
        var remaining = excess + 0.01
        for k in chain where remaining > 0 {
            guard let floor = fragments[k].minHeight else { continue }
            let take = min(remaining, max(0, fragments[k].height - floor))
            fragments[k].height -= take
            remaining -= take
        }
        return true
    }
}
