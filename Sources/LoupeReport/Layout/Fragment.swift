/// What a fragment's drawing closure receives.
public struct DrawContext {
    public let canvas: Canvas
    /// 1-based number of the page being drawn.
    public let pageNumber: Int
    /// The box covering every fragment of the drawn fragment's group on this page (nil when it has no group).
    public var groupRect: Rect? = nil
    /// Whether the drawn fragment is the first of its group on this page (it draws what the group shares, e.g. a colour bar).
    public var isFirstOfGroupOnPage = true

    /// Creates a context.
    public init(canvas: Canvas, pageNumber: Int, groupRect: Rect? = nil, isFirstOfGroupOnPage: Bool = true) {
        self.canvas = canvas; self.pageNumber = pageNumber
        self.groupRect = groupRect; self.isFirstOfGroupOnPage = isFirstOfGroupOnPage
    }
}

/// A heading as listed in the table of contents and the outline.
public struct HeadingEntry: Equatable, Sendable {
    /// Section number such as `2.1`.
    public var number: String
    public var title: String
    public var level: Int
    /// Link destination name (`h-<n>`).
    public var destination: String
    /// 1-based page the heading lands on, set by pagination.
    public var page: Int
}

/// An unbreakable piece of a block with a height; pagination places fragments on pages.
public struct Fragment {
    /// Short description for tests and debugging, e.g. `heading 1 Intro`, `row 12`.
    public var label: String
    public var height: Double
    /// Space above the fragment, dropped at the top of a page.
    public var spaceBefore: Double
    /// Whether this fragment must share a page with the next one (headings, captions, table headers).
    public var keepWithNext = false
    /// Whether the fragment must start a new page (explicit page break, section start).
    public var breakBefore = false
    /// Fragments repeated at the top of a new page when this fragment is pushed there (a table header).
    public var repeatedHeader: [Fragment] = []
    /// The heading this fragment introduces, if any.
    public var heading: HeadingEntry?
    /// The smallest height the fragment may be squeezed to so that it fits the rest of a page (charts); nil: fixed.
    public var minHeight: Double?
    /// Fragments of one block split across pages (rows of a figure) share a group; see `DrawContext.groupRect`.
    public var group: Int?
    /// Draws the fragment into its box.
    public var draw: (DrawContext, Rect) -> Void

    /// Creates a fragment.
    public init(label: String, height: Double, spaceBefore: Double, draw: @escaping (DrawContext, Rect) -> Void) {
        self.label = label; self.height = height; self.spaceBefore = spaceBefore; self.draw = draw
    }
}

/// A fragment placed on a page.
public struct Placement {
    public var fragment: Fragment
    /// The box the fragment is drawn into.
    public var rect: Rect
}
