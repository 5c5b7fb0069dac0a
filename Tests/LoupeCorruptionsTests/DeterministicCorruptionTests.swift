import LoupeCorruptions
import XCTest

/// The 8 deterministic corruptions against the reference outputs, pixel by pixel (docs/corruptions.md#deterministic-corruptions).
final class DeterministicCorruptionTests: XCTestCase {
    /// Share of elements allowed to differ by exactly 1 (all others must be equal).
    static let oneLevelShare: [String: Double] = [
        "defocus_blur": 0.03, "zoom_blur": 0.03, "gaussian_blur": 0.03, "contrast": 0.03,
        "brightness": 0.05, "saturate": 0.05, "pixelate": 0, "jpeg_compression": 0,
    ]

    func check(_ name: String, image: String, size: Int, folder: String) throws {
        let input = try CorruptionFixtures.input(image, size: size)
        for severity in 1...5 {
            let expected = try CorruptionFixtures.load("out/\(folder)/\(image)/\(name)_s\(severity).png")
            let actual = try corrupt(input, name: name, severity: severity)
            let result = CorruptionFixtures.compare(actual, expected)
            let share = Double(result.ones) / Double(actual.bytes.count)
            let allowed = Self.oneLevelShare[name] ?? 0
            XCTAssertLessThanOrEqual(result.maxAbs, allowed > 0 ? 1 : 0, "\(name) s\(severity) \(image)@\(size): max |Δ|")
            XCTAssertLessThanOrEqual(share, allowed, "\(name) s\(severity) \(image)@\(size): share of |Δ| = 1")
        }
    }

    func checkAll(_ name: String) throws {
        for image in CorruptionFixtures.images { try check(name, image: image, size: 32, folder: "cifar32") }
        try check(name, image: "astronaut", size: 224, folder: "imagenet224")
    }

    func testDefocusBlur() throws { try checkAll("defocus_blur") }
    func testZoomBlur() throws { try checkAll("zoom_blur") }
    func testGaussianBlur() throws { try checkAll("gaussian_blur") }
    func testBrightness() throws { try checkAll("brightness") }
    func testContrast() throws { try checkAll("contrast") }
    func testSaturate() throws { try checkAll("saturate") }
    func testPixelate() throws { try checkAll("pixelate") }
    func testJPEGCompression() throws { try checkAll("jpeg_compression") }
}
