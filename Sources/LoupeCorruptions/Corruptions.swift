import LoupeTensor

/// The registry of the 19 corruptions and the `corrupt` entry point.
public enum Corruptions {
    /// The 15 benchmark corruptions in the reference order (`corruption_number` 0-14).
    public static let benchmark: [any Corruption.Type] = [
        GaussianNoise.self, ShotNoise.self, ImpulseNoise.self,
        DefocusBlur.self, GlassBlur.self, MotionBlur.self, ZoomBlur.self,
        Snow.self, Frost.self, Fog.self, Brightness.self,
        Contrast.self, ElasticTransform.self, Pixelate.self, JPEGCompression.self,
    ]

    /// The 4 extra ("validation") corruptions, never part of mCE.
    public static let extra: [any Corruption.Type] = [SpeckleNoise.self, GaussianBlur.self, Spatter.self, Saturate.self]

    /// All 19 in reference order.
    public static let ordered: [any Corruption.Type] = benchmark + extra

    /// Name -> type for all 19.
    public static let all: [String: any Corruption.Type] = {
        var table = [String: any Corruption.Type]()
        for type in ordered { table[type.name] = type }
        return table
    }()

    /// All names in reference order.
    public static var names: [String] { ordered.map { $0.name } }

    /// The type registered under `name`, or a one-line error listing the valid names.
    public static func type(named name: String) throws -> any Corruption.Type {
        guard let type = all[name] else {
            throw LoupeError(.invalidConfig, location: "corruption",
                             "unknown corruption '\(name)'; valid names: \(names.joined(separator: ", "))")
        }
        return type
    }

    /// Encodes an image as baseline JPEG (IJG tables at `quality`, 4:2:0) and decodes it, as the published
    /// ImageNet-C files were stored (quality 85, docs/corruptions.md#jpeg-re-encode-of-imagenet-c).
    public static func jpegRoundTrip(_ image: RGBImage8, quality: Int) throws -> RGBImage8 {
        let bytes = try JPEGRoundTrip.apply(image.bytes, width: image.width, height: image.height, quality: min(100, max(1, quality)))
        return try RGBImage8(width: image.width, height: image.height, bytes: bytes)
    }

    /// The generator seed for one (image seed, corruption, severity): a stable hash (docs/corruptions.md#randomness).
    public static func generatorSeed(seed: UInt64, name: String, severity: Int) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        var x = hash ^ (seed &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(severity) &* 0xD6E8_FEB8_6659_FD93)
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }
}

/// Corrupts an RGB image with one of the 19 corruptions at severity 1...5.
///
/// `profile` defaults by size (32x32 -> CIFAR-10-C, otherwise ImageNet-C). Random corruptions draw
/// from one generator seeded by (`seed`, name, severity), so the same call repeats exactly.
public func corrupt(_ image: RGBImage8, name: String, severity: Int, seed: UInt64 = 0,
                    profile: CorruptionProfile? = nil) throws -> RGBImage8 {
    let type = try Corruptions.type(named: name)
    guard (1...5).contains(severity) else {
        throw LoupeError(.invalidConfig, location: "severity", "severity must be 1 to 5, got \(severity)")
    }
    guard image.width >= 32, image.height >= 32 else {
        throw LoupeError(.invalidInput, "corruptions need images of at least 32x32 pixels, got \(image.width)x\(image.height)")
    }
    let chosen = profile ?? CorruptionProfile.defaultProfile(width: image.width, height: image.height)
    var generator = SeededGenerator(seed: Corruptions.generatorSeed(seed: seed, name: name, severity: severity))
    return try type.apply(image, severity: severity, profile: chosen, generator: &generator)
}
