import Foundation
import LoupeAnalysis
import LoupeTensor
import LoupeTestSupport
import XCTest
@testable import LoupePipeline

/// Robustness config validation messages and baseline files (`RobustnessBaseline.read`).
final class RobustnessConfigTests: XCTestCase {
    func problems(_ robustness: String, files: [String: String] = [:]) throws -> [String] {
        let scratch = try PipelineScratch("robustness-config")
        let model = try scratch.writeTinyModel("m.onnx", classes: 3)
        for (name, text) in files { _ = try scratch.write(text, to: name) }
        let path = try scratch.write(#"{"jobs": [{"name": "a", "model": {"path": "\#(model)"}, "dataset": {"kind": "synthetic-shapes"}, "sections": {"robustness": \#(robustness)}}, {"name": "ok", "model": {"path": "\#(model)"}, "dataset": {"kind": "synthetic-shapes"}}]}"#, to: "c.json")
        do {
            let config = try LoupeConfig.load(path: path)
            return config.rejectedJobs.flatMap(\.problems)
        } catch let error as LoupeError {
            return [error.reason]
        }
    }

    func testConfigValidationMessages() throws {
        XCTAssertEqual(try problems(#"{"severities": [1, 2, 3, 7]}"#), ["jobs[0].sections.robustness.severities[3]: expected 1...5, got 7"])
        XCTAssertEqual(try problems(#"{"corruptions": ["gausian_noise", "fog"]}"#),
                       ["jobs[0].sections.robustness.corruptions[0]: unknown corruption 'gausian_noise' (did you mean 'gaussian_noise'?)"])
        XCTAssertEqual(try problems(#"{"profile": "cifra"}"#),
                       [#"jobs[0].sections.robustness.profile: expected one of auto, cifar, imagenet, got "cifra" (did you mean 'cifar'?)"#])
        XCTAssertEqual(try problems(#"{"images_per_corruption": "many"}"#),
                       [#"jobs[0].sections.robustness.images_per_corruption: expected a count or "all", got "many""#])
        let missing = try problems(#"{"baseline": "nowhere/summary.json"}"#)
        XCTAssertEqual(missing.count, 1)
        XCTAssertTrue(missing[0].hasPrefix("jobs[0].sections.robustness.baseline: file not found: /"), missing[0])
        XCTAssertEqual(try problems(#"{"severitis": [1]}"#), ["jobs[0].sections.robustness.severitis: unknown key; did you mean 'severities'?"])
        XCTAssertEqual(try problems(#"{"severities": [], "corruptions": []}"#).count, 2)
        XCTAssertEqual(try problems(#"{"images_per_corruption": "all", "baseline": "b.json", "jpeg_q85": true, "corruptions": ["spatter"]}"#,
                                    files: ["b.json": "{}"]), [])
    }

    func testConfigReadsOptionsAndResolvesTheBaselinePath() throws {
        let scratch = try PipelineScratch("robustness-read")
        let model = try scratch.writeTinyModel("m.onnx", classes: 3)
        _ = try scratch.write("{}", to: "base.json")
        let path = try scratch.write(#"{"jobs": [{"name": "a", "model": {"path": "\#(model)"}, "dataset": {"kind": "synthetic-shapes"}, "sections": {"robustness": {"images_per_corruption": "all", "baseline": "base.json", "severities": [5, 1], "profile": "imagenet", "corruptions": ["saturate", "fog"]}}}]}"#, to: "c.json")
        let job = try XCTUnwrap(try LoupeConfig.load(path: path).jobs.first)
        XCTAssertEqual(job.sections, ["summary", "robustness"])
        XCTAssertEqual(job.robustness.imagesPerCorruption, 0)
        XCTAssertEqual(job.robustness.baselinePath, scratch.path("base.json"))
        XCTAssertEqual(job.robustness.orderedSeverities, [1, 5])
        XCTAssertEqual(job.robustness.profile, .imagenet)
        XCTAssertEqual(job.robustness.corruptions, ["saturate", "fog"])
        // Defaults: the 15 benchmark corruptions, all severities, auto profile.
        let defaults = RobustnessOptions()
        XCTAssertEqual(defaults.corruptions.count, 15)
        XCTAssertEqual(defaults.resolvedProfile(height: 32, width: 32), .cifar)
        XCTAssertEqual(defaults.resolvedProfile(height: 28, width: 28), .cifar)
        XCTAssertEqual(defaults.resolvedProfile(height: 224, width: 224), .imagenet)
        XCTAssertEqual(defaults.resolvedProfile(height: 64, width: 64), .imagenet)
        var bad = RobustnessOptions()
        bad.severities = [0]
        XCTAssertThrowsError(try bad.validate()) { XCTAssertTrue("\($0)".contains("severities[0]: expected 1...5, got 0"), "\($0)") }
    }

    // MARK: Baseline files

    func baselineError(_ text: String) throws -> String {
        let scratch = try PipelineScratch("robustness-baseline")
        let path = try scratch.write(text, to: "summary.json")
        do {
            _ = try RobustnessBaseline.read(path: path)
            return ""
        } catch let error as LoupeError {
            XCTAssertEqual(error.file, path)
            return "\(error.location): \(error.reason)"
        }
    }

    func testBadBaselineFilesNameTheField() throws {
        let cell = #"{"corruption": "fog", "severity": 1, "accuracy": 0.9, "error": 0.1}"#
        let head = #"{"robustness": {"format": "loupe-robustness-1", "profile": "cifar", "clean_error": 0.05, "cells": ["#
        XCTAssertTrue(try baselineError("{oops").hasPrefix("json: invalid JSON"))
        XCTAssertEqual(try baselineError(#"{"summary": {}}"#), "robustness: missing: the run had no robustness section")
        XCTAssertEqual(try baselineError(#"{"robustness": {"format": "v0"}}"#),
                       #"robustness.format: expected "loupe-robustness-1", got "v0""#)
        XCTAssertEqual(try baselineError(head + cell + #", {"corruption": "fog", "severity": 7, "error": 0.1}]}}"#),
                       "robustness.cells[1].severity: expected 1...5, got 7")
        XCTAssertEqual(try baselineError(head + #"{"corruption": "fog", "severity": 2, "error": 1.5}]}}"#),
                       "robustness.cells[0].error: expected a number in [0, 1], got 1.5")
        XCTAssertEqual(try baselineError(head + cell + ", " + cell + "]}}"), "robustness.cells[1]: duplicate cell fog severity 1")
        XCTAssertEqual(try baselineError(#"{"robustness": {"format": "loupe-robustness-1", "profile": "cifar", "clean_error": 0.05, "cells": []}}"#),
                       "robustness.cells: expected a non-empty list of cells")
        // A valid file reads, and coverage is checked cell by cell.
        let scratch = try PipelineScratch("robustness-baseline-ok")
        let path = try scratch.write(head + cell + "]}}", to: "summary.json")
        let baseline = try RobustnessBaseline.read(path: path)
        XCTAssertEqual(baseline.normaliser.errors["fog"]?[1], 0.1)
        XCTAssertEqual(baseline.normaliser.cleanError, 0.05)
        XCTAssertNoThrow(try baseline.checkCovers(corruptions: ["fog"], severities: [1]))
        XCTAssertThrowsError(try baseline.checkCovers(corruptions: ["fog"], severities: [1, 2])) {
            XCTAssertTrue("\($0)".contains("no cell for fog at severity 2"), "\($0)")
        }
    }
}
