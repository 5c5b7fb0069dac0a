import Foundation
import LoupeCorruptions
import LoupeData
import LoupeTestSupport
import XCTest

/// Reading the corruption fixtures (`Tests/Fixtures/corruptions`, the reference outputs of docs/corruptions.md#conformance).
enum CorruptionFixtures {
    static let root = fixturesDirectory.appendingPathComponent("corruptions")
    static let images = ["astronaut", "chelsea", "china"]

    /// Decodes a fixture PNG as RGB.
    static func load(_ relative: String) throws -> RGBImage8 {
        let decoded = try ImageCodec.decodeFile(atPath: root.appendingPathComponent(relative).path)
        guard decoded.channels == 3 else { throw XCTSkip("fixture \(relative) is not RGB") }
        return try RGBImage8(width: decoded.width, height: decoded.height, bytes: decoded.bytes)
    }

    /// The input image at 32 or 224.
    static func input(_ name: String, size: Int) throws -> RGBImage8 { try load("in/\(name)_\(size).png") }

    /// One row of `corruptions_reference_stats.csv`.
    struct Stat {
        var meanAbs: Double
        var sd: Double
        var seeds: Int
        var psnrMin: Double
        var psnrMax: Double
    }

    /// Rows keyed by "profile/corruption/severity/image".
    static let stats: [String: Stat] = {
        guard let text = try? String(contentsOf: root.appendingPathComponent("corruptions_reference_stats.csv"), encoding: .utf8) else {
            return [:]
        }
        var table = [String: Stat]()
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let f = line.split(separator: ",").map(String.init)
            guard f.count >= 9, let n = Int(f[4]), let m = Double(f[5]), let sd = Double(f[6]),
                  let lo = Double(f[7]), let hi = Double(f[8]) else { continue }
            table["\(f[0])/\(f[1])/\(f[2])/\(f[3])"] = Stat(meanAbs: m, sd: sd, seeds: n, psnrMin: lo, psnrMax: hi)
        }
        return table
    }()

    /// Mean |a - b| and PSNR (dB) between two images of equal size.
    static func compare(_ a: RGBImage8, _ b: RGBImage8) -> (meanAbs: Double, psnr: Double, maxAbs: Int, ones: Int) {
        var sum = 0.0, squares = 0.0, maxAbs = 0, ones = 0
        for i in a.bytes.indices {
            let d = Int(a.bytes[i]) - Int(b.bytes[i])
            sum += Double(abs(d))
            squares += Double(d * d)
            maxAbs = max(maxAbs, abs(d))
            if abs(d) == 1 { ones += 1 }
        }
        let n = Double(a.bytes.count)
        let mse = squares / n
        return (sum / n, mse == 0 ? 99 : 10 * log10(255 * 255 / mse), maxAbs, ones)
    }
}
