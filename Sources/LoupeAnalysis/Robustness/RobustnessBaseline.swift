import Foundation
import LoupeTensor

/// Another run's robustness errors, used as the CE normaliser.
///
/// `LoupePipeline` reads it from that run's `summary.json` (`RobustnessBaseline.read(path:)`).
public struct RobustnessBaseline: Sendable, Equatable {
    /// The file read.
    public var path: String
    /// The profile the baseline run used (`cifar` or `imagenet`).
    public var profile: String
    /// `[height, width]` of the baseline's images, when recorded.
    public var imageSize: [Int]
    public var normaliser: RobustnessMetrics.Normaliser
    /// Images per cell in the baseline run, when recorded.
    public var images: Int?
    /// The baseline run's dataset fingerprint, from the `run.json` beside its summary, when present.
    public var datasetFingerprint: String?

    /// The format tag the robustness section writes and this reader accepts.
    public static let format = "loupe-robustness-1"

    public init(path: String, profile: String, imageSize: [Int], normaliser: RobustnessMetrics.Normaliser,
                images: Int? = nil, datasetFingerprint: String? = nil) {
        self.path = path
        self.profile = profile
        self.imageSize = imageSize
        self.normaliser = normaliser
        self.images = images
        self.datasetFingerprint = datasetFingerprint
    }

    /// Why this baseline was not scored on the same images as a run (empty when it was, as far as the files tell).
    public func differences(profile: String, images: Int, datasetFingerprint: String) -> [String] {
        var found = [String]()
        if self.profile != profile { found.append("the corruption profiles differ (\(self.profile) and \(profile))") }
        if let count = self.images, count != images { found.append("the image counts differ (\(count) and \(images))") }
        if let fingerprint = self.datasetFingerprint, fingerprint != datasetFingerprint { found.append("the dataset fingerprints differ") }
        return found
    }

    /// Checks that the baseline covers every (corruption, severity) the run needs, naming the first missing cell.
    public func checkCovers(corruptions: [String], severities: [Int]) throws {
        for name in corruptions {
            for severity in severities where normaliser.errors[name]?[severity] == nil {
                throw LoupeError(.invalidConfig, file: path, location: "robustness.cells",
                                 "no cell for \(name) at severity \(severity); the baseline must cover every corruption and severity of this run")
            }
        }
    }
}
