import LoupeTensor

/// Zoom blur: mean of the image and its central zooms by each factor of the list, in float32 (docs/corruptions.md#zoom_blur).
public enum ZoomBlur: TabulatedCorruption {
    public static let name = "zoom_blur"
    public static let isDeterministic = true

    /// The reference's float `arange` lists as (count, step), end points included (docs/corruptions.md#zoom_blur).
    ///
    /// NumPy fills `arange` as start + i * delta with delta = (start + step) - start, so 1.25 arrives as
    /// 1.2500000000000002; that changes the zoomed size at 32 px (round(26 z) = 33), so reproduce it.
    static func factors(count: Int, step: Double) -> [Double] {
        let delta = (1 + step) - 1
        return (0..<count).map { 1 + Double($0) * delta }
    }

    public static let severities = SeverityTable<(Int, Double)>(cifar: [(7, 0.01), (12, 0.01), (16, 0.01), (21, 0.01), (26, 0.01)],
                                                         imagenet: [(12, 0.01), (16, 0.01), (11, 0.02), (13, 0.02), (11, 0.03)])

    public static func apply(_ image: RGBImage8, row: (Int, Double), profile: CorruptionProfile, generator: inout SeededGenerator) throws -> RGBImage8 {
        let (count, step) = row
        let list = factors(count: count, step: step)
        let x = image.unitFloats
        var sum = [Float](repeating: 0, count: x.count)
        for z in list {
            let zoomed = ClippedZoom.apply(x, height: image.height, width: image.width, channels: 3, zoom: z)
            for i in sum.indices { sum[i] += zoomed[i] }
        }
        let n = Float(list.count + 1)
        for i in sum.indices { sum[i] = (x[i] + sum[i]) / n }
        return .fromUnit(sum, width: image.width, height: image.height)
    }
}
