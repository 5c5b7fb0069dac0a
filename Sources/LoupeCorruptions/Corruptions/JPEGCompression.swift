import LoupeTensor

/// JPEG compression: encode at the severity's quality (4:2:0, accurate DCT) and decode (docs/corruptions.md#jpeg_compression).
public enum JPEGCompression: Corruption {
    public static let name = "jpeg_compression"
    public static let isDeterministic = true
    static let cifar: [Int] = [80, 65, 58, 50, 40]
    static let imagenet: [Int] = [25, 18, 15, 10, 7]

    public static func apply(_ image: RGBImage8, severity: Int, profile: CorruptionProfile,
                             generator: inout SeededGenerator) throws -> RGBImage8 {
        let q = profile.pick(cifar, imagenet)[severity - 1]
        let out = try JPEGRoundTrip.apply(image.bytes, width: image.width, height: image.height, quality: q)
        return RGBImage8(unchecked: image.width, image.height, out)
    }
}
