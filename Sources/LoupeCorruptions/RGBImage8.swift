import LoupeTensor

/// An 8-bit RGB image, rows top to bottom, channels interleaved (H x W x 3).
public struct RGBImage8: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// `height * width * 3` bytes, row-major, RGB interleaved.
    public var bytes: [UInt8]

    /// Creates an image; throws when the byte count does not match the size.
    public init(width: Int, height: Int, bytes: [UInt8]) throws {
        guard width > 0, height > 0, let count = checkedProduct([width, height, 3]), count == bytes.count else {
            throw LoupeError(.invalidInput, "RGB image of \(width)x\(height) needs \(width)x\(height)x3 bytes, got \(bytes.count)")
        }
        self.width = width
        self.height = height
        self.bytes = bytes
    }

    /// Creates an image from bytes whose count is known to match (internal use).
    init(unchecked width: Int, _ height: Int, _ bytes: [UInt8]) {
        self.width = width
        self.height = height
        self.bytes = bytes
    }

    /// The pixels divided by 255 (the references' `x = u / 255`), as Double.
    var unitValues: [Double] { dividedBy255() }

    /// The pixels divided by 255 in Float (the references that work in float32).
    var unitFloats: [Float] { dividedBy255() }

    /// Every byte divided by 255 in the floating-point type `T`.
    private func dividedBy255<T: BinaryFloatingPoint>() -> [T] {
        var out = [T](repeating: 0, count: bytes.count)
        bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<src.count { dst[i] = T(src[i]) / 255 }
            }
        }
        return out
    }

    /// Converts values in [0, 1] to bytes the references' way: clip to [0, 1], times 255, truncate.
    ///
    /// Arithmetic stays in the input's precision (float32 input is clipped and scaled in float32, as the reference does).
    static func fromUnit<T: BinaryFloatingPoint>(_ values: [T], width: Int, height: Int) -> RGBImage8 {
        truncating(values, clippedTo: 1, times: 255, width: width, height: height)
    }

    /// Converts values on the 0...255 scale: clip to [0, 255], truncate.
    static func fromByteScale(_ values: [Double], width: Int, height: Int) -> RGBImage8 {
        truncating(values, clippedTo: 255, times: 1, width: width, height: height)
    }

    /// `UInt8(min(max(v, 0), upper) * factor)` per value, NaN as 0.
    static func truncating<T: BinaryFloatingPoint>(_ values: [T], clippedTo upper: T, times factor: T,
                                                   width: Int, height: Int) -> RGBImage8 {
        var bytes = [UInt8](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { src in
            bytes.withUnsafeMutableBufferPointer { dst in
                for i in 0..<src.count {
                    let v = min(max(src[i], 0), upper) * factor
                    dst[i] = v.isNaN ? 0 : UInt8(v)
                }
            }
        }
        return RGBImage8(unchecked: width, height, bytes)
    }
}

/// Which reference's constants a corruption uses (docs/corruptions.md#profiles).
public enum CorruptionProfile: String, Sendable, CaseIterable {
    /// CIFAR-10-C constants (`make_cifar_c.py`), for 32x32 inputs.
    case cifar
    /// ImageNet-C constants (`make_imagenet_c.py`), for 224x224 inputs; other sizes use the size-generalised algorithms.
    case imagenet

    /// The default profile for an image size: CIFAR-10-C for 32x32, ImageNet-C otherwise (docs/corruptions.md#profiles).
    public static func defaultProfile(width: Int, height: Int) -> CorruptionProfile {
        width == 32 && height == 32 ? .cifar : .imagenet
    }

    /// Picks the CIFAR or the ImageNet value of a constant pair.
    @inline(__always)
    func pick<T>(_ cifar: T, _ imagenet: T) -> T { self == .cifar ? cifar : imagenet }
}

/// One common corruption: a severity table per profile and the algorithm of the reference.
public protocol Corruption {
    /// The reference name (`gaussian_noise`, ...).
    static var name: String { get }
    /// Whether the output depends only on the image (no random draws).
    static var isDeterministic: Bool { get }
    /// Every known difference from the reference, as sentences a report can print (empty when none).
    static var deviations: [String] { get }
    /// Applies the corruption at `severity` (1...5, already validated) with the profile's constants.
    static func apply(_ image: RGBImage8, severity: Int, profile: CorruptionProfile,
                      generator: inout SeededGenerator) throws -> RGBImage8
}

extension Corruption {
    public static var deviations: [String] { [] }
}

/// The constants of one corruption: one row per severity 1...5, for each profile.
public struct SeverityTable<Row> {
    public let cifar: [Row]
    public let imagenet: [Row]

    public init(cifar: [Row], imagenet: [Row]) {
        self.cifar = cifar
        self.imagenet = imagenet
    }

    /// The row of `severity` (1...5, already validated) for `profile`.
    public func row(_ severity: Int, _ profile: CorruptionProfile) -> Row { profile.pick(cifar, imagenet)[severity - 1] }
}

/// A corruption whose algorithm takes one row of a severity table: the table lookup is done once, here.
public protocol TabulatedCorruption: Corruption {
    associatedtype Row
    /// The reference constants per severity and profile.
    static var severities: SeverityTable<Row> { get }
    /// Applies the corruption with one row of `severities`.
    static func apply(_ image: RGBImage8, row: Row, profile: CorruptionProfile, generator: inout SeededGenerator) throws -> RGBImage8
}

extension TabulatedCorruption {
    public static func apply(_ image: RGBImage8, severity: Int, profile: CorruptionProfile,
                             generator: inout SeededGenerator) throws -> RGBImage8 {
        try apply(image, row: severities.row(severity, profile), profile: profile, generator: &generator)
    }
}

/// A corruption that changes each value in [0, 1] in place (noise, contrast); the result is rounded back to bytes.
public protocol UnitValueCorruption: TabulatedCorruption where Row == Double {
    /// Changes the image's values in [0, 1], in RGB-interleaved order.
    static func transform(_ values: inout [Double], row: Double, generator: inout SeededGenerator)
}

extension UnitValueCorruption {
    public static func apply(_ image: RGBImage8, row: Double, profile: CorruptionProfile,
                             generator: inout SeededGenerator) throws -> RGBImage8 {
        var values = image.unitValues
        transform(&values, row: row, generator: &generator)
        return .fromUnit(values, width: image.width, height: image.height)
    }
}
