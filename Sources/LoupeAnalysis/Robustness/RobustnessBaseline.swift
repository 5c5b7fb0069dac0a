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

    /// The format tag the robustness section writes and this reader accepts.
    public static let format = "loupe-robustness-1"

    public init(path: String, profile: String, imageSize: [Int], normaliser: RobustnessMetrics.Normaliser) {
        self.path = path
        self.profile = profile
        self.imageSize = imageSize
        self.normaliser = normaliser
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
