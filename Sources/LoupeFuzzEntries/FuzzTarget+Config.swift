import Foundation
import LoupePipeline

extension FuzzTarget {
    /// Reads the input as a config file: the strict JSON parser, then every job's fields.
    ///
    /// The file lies in the scratch folder, so relative model and dataset paths resolve there (and
    /// are mostly missing, which the reader reports like any other problem).
    static func runConfig(_ input: Data) throws {
        let config = try LoupeConfig.load(path: FuzzScratch.write(input, as: "config.json"))
        _ = config.jobs.count + config.rejectedJobs.count
    }
}
