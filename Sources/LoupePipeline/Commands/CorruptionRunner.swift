import Foundation
import LoupeCorruptions
import LoupeData
import LoupeTensor

/// `loupe corrupt`: applies common corruptions (ImageNet-C / CIFAR-10-C) to one image file.
public enum CorruptionRunner {
    /// Bytes per pixel the corruptions hold at once at their peak (Float planes and their intermediate
    /// copies; measured about 30 for gaussian_noise and 75 for the whole grid), checked against the
    /// memory budget from the image header before decoding.
    static let workingBytesPerPixel = 80

    /// The largest image `loupe corrupt` takes: 4096 x 4096 pixels. The severity tables are set for
    /// images of 32 to 224 px, and a larger image needs gigabytes of working memory at 80 bytes a pixel,
    /// so a tiny file that declares a huge image is refused from its header whatever the budget.
    static let maximumPixels = 4096 * 4096

    /// Reads a PNG or JPEG as RGB (gray is replicated, alpha composited on white).
    ///
    /// An image too large to corrupt within the memory budget is refused from its header.
    public static func readImage(_ path: String) throws -> RGBImage8 {
        let data = [UInt8](try RegularFile.contents(path, failure: "cannot read the image"))
        if let size = ImageCodec.size(of: data) {
            try MemoryBudget.check(checkedProduct([size.width, size.height, workingBytesPerPixel]) ?? Int.max, file: path,
                                   location: "header", what: "corrupting a \(size.width)x\(size.height) image needs about")
            guard let pixels = checkedProduct([size.width, size.height]), pixels <= maximumPixels else {
                throw LoupeError(.invalidInput, file: path, location: "header",
                                 "a \(size.width)x\(size.height) image is larger than the 4096x4096 pixels `loupe corrupt` takes; resize it first")
            }
        }
        let decoded = try ImageCodec.decode(data, name: path)
        var bytes = decoded.bytes
        if decoded.channels != 3 {
            let pixels = decoded.pixelImage(channels: 3).values
            bytes = pixels.map { UInt8(min(max(($0 * 255).rounded(), 0), 255)) }
        }
        return try RGBImage8(width: decoded.width, height: decoded.height, bytes: bytes)
    }

    /// Writes an RGB image as PNG.
    public static func writeImage(_ image: RGBImage8, to path: String) throws {
        try PNGWriter.write(width: image.width, height: image.height, channels: 3, bytes: image.bytes, to: path)
    }

    /// Parses a profile name (`cifar`, `imagenet`) or throws a one-line error.
    public static func profile(named name: String?) throws -> CorruptionProfile? {
        guard let name else { return nil }
        guard let profile = CorruptionProfile(rawValue: name) else {
            throw LoupeError(.invalidConfig, location: "--profile", "unknown profile '\(name)'; valid: cifar, imagenet")
        }
        return profile
    }

    /// Runs `body`; an error about the image that names no file (too small, wrong size) gets the input's path.
    static func naming<T>(_ input: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as LoupeError { throw error.inFile(input) }
    }

    /// Validates a severity (1...5).
    public static func checkSeverity(_ severity: Int) throws {
        guard (1...5).contains(severity) else {
            throw LoupeError(.invalidConfig, location: "--severity", "severity must be 1 to 5, got \(severity)")
        }
    }

    /// Corrupts one image file and writes the PNG; returns the deviations that apply.
    @discardableResult
    public static func run(input: String, corruption: String, severity: Int, seed: UInt64, profile: String?,
                           output: String) throws -> [String] {
        let type = try Corruptions.type(named: corruption)
        try checkSeverity(severity)
        let chosen = try self.profile(named: profile)
        let image = try readImage(input)
        let result = try naming(input) { try corrupt(image, name: corruption, severity: severity, seed: seed, profile: chosen) }
        try writeImage(result, to: output)
        return type.deviations
    }

    /// Writes every corruption x severity (`<name>_s<k>.png`) into `directory`; returns the seconds spent corrupting.
    ///
    /// `perCorruption` receives the seconds per corruption name (sum over the 5 severities).
    ///
    /// `names` defaults to all 19; `repeats` > 1 repeats the computation (timing) and writes once.
    public static func runAll(input: String, seed: UInt64, profile: String?, directory: String,
                              names: [String] = Corruptions.names, repeats: Int = 1, write: Bool = true,
                              perCorruption: ((String, Double) -> Void)? = nil) throws -> Double {
        for name in names { _ = try Corruptions.type(named: name) }
        let chosen = try self.profile(named: profile)
        let image = try readImage(input)
        if write {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw LoupeError(.io, file: directory, "cannot create the output folder: \(error.localizedDescription)")
            }
        }
        var seconds = 0.0
        for name in names {
            let before = seconds
            defer { perCorruption?(name, seconds - before) }
            for severity in 1...5 {
                var result = image
                let start = Date()
                for _ in 0..<max(1, repeats) {
                    result = try naming(input) { try corrupt(image, name: name, severity: severity, seed: seed, profile: chosen) }
                }
                seconds += Date().timeIntervalSince(start) / Double(max(1, repeats))
                if write { try writeImage(result, to: (directory as NSString).appendingPathComponent("\(name)_s\(severity).png")) }
            }
        }
        return seconds
    }
}
