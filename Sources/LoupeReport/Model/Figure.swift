/// A colour bar explaining how values map to colours.
public struct ColorBar: Sendable {
    public var colorMap: ColorMap
    public var range: ClosedRange<Double>
    public var label: String
    /// Creates a colour bar.
    public init(colorMap: ColorMap, range: ClosedRange<Double>, label: String = "") {
        self.colorMap = colorMap; self.range = range; self.label = label
    }
}

/// A grid of images with per-cell captions and an optional shared colour bar; never split across pages.
public struct Figure: Sendable {
    /// One image of the grid.
    public struct Cell: Sendable {
        public var image: RasterImage
        public var caption: String
        /// Creates a cell.
        public init(_ image: RasterImage, caption: String = "") { self.image = image; self.caption = caption }
    }

    /// Images in reading order.
    public var cells: [Cell]
    /// Images per row.
    public var columns: Int
    /// Caption under the grid (may be empty).
    public var caption: String
    /// A colour bar at the right of the grid, shared by all images.
    public var colorBar: ColorBar?
    /// Largest width of one image in points; the grid never exceeds the body width.
    public var maxCellWidth: Double

    /// Creates a figure.
    public init(cells: [Cell], columns: Int, caption: String = "", colorBar: ColorBar? = nil, maxCellWidth: Double = 140) {
        self.cells = cells; self.columns = max(1, columns); self.caption = caption
        self.colorBar = colorBar; self.maxCellWidth = maxCellWidth
    }
}
