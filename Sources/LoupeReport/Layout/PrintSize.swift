/// Printed sizes below which a picture stops being readable.
///
/// Sizes are in points (1/72 in). The canvas enlarges small rasters by whole-number factors with
/// nearest-neighbour sampling, so a map's pixels print as equal, crisp squares.
public enum PrintSize {
    /// Points per millimetre.
    public static let pointsPerMillimetre = 72 / 25.4
    /// The smallest width of one map or thumbnail in a figure: 15 mm. At this size an 8×8 feature map
    /// prints each pixel ~1.9 mm wide, and a 28×28 digit ~0.5 mm, still readable at arm's length.
    public static let minimumMap = 15 * pointsPerMillimetre

    /// The smallest whole-number factor that makes a map of `pixels` print at least `minimumMap` wide
    /// when each enlarged pixel takes `pointsPerPixel` points (at least 1).
    public static func factor(pixels: Int, pointsPerPixel: Double) -> Int {
        guard pixels > 0, pointsPerPixel > 0, pointsPerPixel.isFinite else { return 1 }
        return max(1, Int((minimumMap / (Double(pixels) * pointsPerPixel)).rounded(.up)))
    }
}
