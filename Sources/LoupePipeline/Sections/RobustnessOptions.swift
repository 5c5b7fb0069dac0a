import LoupeCorruptions
import LoupeTensor

/// Options of the robustness section (`jobs[i].sections.robustness`).
public struct RobustnessOptions: Sendable, Equatable {
    /// Which corruption constants to use.
    public enum ProfileChoice: String, Sendable, CaseIterable {
        /// CIFAR-10-C for images of at most 32x32, ImageNet-C (size-generalised away from 224x224) otherwise.
        case auto
        case cifar
        case imagenet
    }

    /// Corruption names in report order (default: the 15 benchmark corruptions).
    public var corruptions = Corruptions.benchmark.map { $0.name }
    /// Severities evaluated, each 1...5.
    public var severities = [1, 2, 3, 4, 5]
    /// Images per corruption and severity: a stratified seeded sample of the dataset; 0 means every image.
    public var imagesPerCorruption = RobustnessOptions.defaultImages
    /// Constant profile.
    public var profile = ProfileChoice.auto
    /// Another run's `summary.json` whose per-cell errors normalise CE (absolute path, already resolved).
    public var baselinePath: String?
    /// Re-encode every corrupted image as JPEG quality 85 (4:2:0), as the published ImageNet-C files were.
    public var jpegQ85 = false

    /// The default images per corruption (keeps the demo under a minute in release builds on 2 cores).
    public static let defaultImages = 300

    public init() {}

    /// Checks names and ranges, throwing an `invalidConfig` error naming the first bad option.
    public func validate() throws {
        let path = "sections.robustness"
        guard !corruptions.isEmpty else { throw LoupeError(.invalidConfig, location: "\(path).corruptions", "expected at least one corruption") }
        for (index, name) in corruptions.enumerated() where Corruptions.all[name] == nil {
            throw LoupeError(.invalidConfig, location: "\(path).corruptions[\(index)]", RobustnessOptions.unknownCorruption(name))
        }
        guard !severities.isEmpty else { throw LoupeError(.invalidConfig, location: "\(path).severities", "expected at least one severity") }
        for (index, severity) in severities.enumerated() where !(1...5).contains(severity) {
            throw LoupeError(.invalidConfig, location: "\(path).severities[\(index)]", "expected 1...5, got \(severity)")
        }
        guard imagesPerCorruption >= 0 else {
            throw LoupeError(.invalidConfig, location: "\(path).images_per_corruption", "expected 0 (all) or a positive count")
        }
    }

    /// The message for an unknown corruption name, with the nearest valid name when it looks like a typo.
    static func unknownCorruption(_ name: String) -> String {
        let hint = ConfigReader(file: "").closest(name, among: Corruptions.names).map { " (did you mean '\($0)'?)" } ?? ""
        return "unknown corruption '\(name)'\(hint)"
    }

    /// The profile for images of the given size: `auto` picks CIFAR-10-C up to 32x32 and ImageNet-C above.
    public func resolvedProfile(height: Int, width: Int) -> CorruptionProfile {
        switch profile {
        case .cifar: return .cifar
        case .imagenet: return .imagenet
        case .auto: return height <= 32 && width <= 32 ? .cifar : .imagenet
        }
    }

    /// Severities sorted without duplicates.
    var orderedSeverities: [Int] { Array(Set(severities)).sorted() }

    /// Corruption names without duplicates, in the order given.
    var orderedCorruptions: [String] {
        var seen = Set<String>()
        return corruptions.filter { seen.insert($0).inserted }
    }
}
