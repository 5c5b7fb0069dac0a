/// How much of one laid-out page is left blank.
public struct PageFill: Equatable, Sendable {
    /// 1-based page number in the whole document.
    public var page: Int
    /// The share of the body height below the last fragment, 0...1.
    public var blankShare: Double
    /// Whether a section (or an explicit page break) starts on the next page, or this is the last page of its part:
    /// such a page may legitimately end early.
    public var endsSection: Bool
    /// The label of the last fragment on the page, to say what ends it.
    public var lastFragment: String
}

extension LaidOutDocument {
    /// The fill of every front and body page, in page order.
    public var pageFills: [PageFill] {
        func fills(_ pages: [[Placement]], firstPage: Int) -> [PageFill] {
            pages.enumerated().map { i, page in
                let bottom = page.map(\.rect.maxY).max() ?? bodyArea.y
                let blank = min(1, max(0, (bodyArea.maxY - bottom) / bodyArea.height))
                let next = i + 1 < pages.count ? pages[i + 1].first?.fragment : nil
                return PageFill(page: firstPage + i, blankShare: blank, endsSection: next.map(\.breakBefore) ?? true,
                                lastFragment: page.last?.fragment.label ?? "")
            }
        }
        return fills(frontPages, firstPage: 2) + fills(bodyPages, firstPage: firstBodyPage)
    }
}
