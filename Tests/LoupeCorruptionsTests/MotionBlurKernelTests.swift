import LoupeCorruptions
import XCTest

/// Motion blur at a pinned angle (30 degrees) against `imagecorruptions`' `_motion_blur` (docs/corruptions.md#deterministic-corruptions, docs/corruptions.md#motion-kernel).
///
/// Fixtures `extra/motion_blur_theta30_*` were made with imagecorruptions 1.1.2 `_motion_blur(x, r, sigma, 30)`,
/// clipped and truncated to uint8.
final class MotionBlurKernelTests: XCTestCase {
    func check(size: Int, tag: String, profile: CorruptionProfile) throws {
        let input = try CorruptionFixtures.input("astronaut", size: size)
        for severity in 1...5 {
            let expected = try CorruptionFixtures.load("extra/motion_blur_theta30_\(tag)_astronaut_s\(severity).png")
            let actual = MotionBlur.blur(input, severity: severity, profile: profile, angleDegrees: 30)
            let result = CorruptionFixtures.compare(actual, expected)
            XCTAssertLessThanOrEqual(result.maxAbs, 1, "motion_blur s\(severity) @\(size): max |Δ|")
            XCTAssertLessThanOrEqual(Double(result.ones) / Double(actual.bytes.count), 0.01, "motion_blur s\(severity) @\(size)")
        }
    }

    func testImageNetConstants() throws { try check(size: 224, tag: "imagenet224", profile: .imagenet) }
    func testCIFARConstants() throws { try check(size: 32, tag: "cifar32", profile: .cifar) }
}
