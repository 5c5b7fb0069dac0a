import Foundation
import LoupeTestSupport
import XCTest

/// The YAML subset the manifests in deploy/kubernetes use: block maps and lists by indentation, `- ` items,
/// flow lists of scalars, `|` block scalars, quoted and plain scalars, `#` comments. Anything else fails the test.
indirect enum YAMLNode: Equatable {
    case scalar(String)
    case list([YAMLNode])
    case map([String: YAMLNode])

    subscript(_ key: String) -> YAMLNode? { if case .map(let entries) = self { return entries[key] }; return nil }
    subscript(_ index: Int) -> YAMLNode? { if case .list(let items) = self, index < items.count { return items[index] }; return nil }
    var text: String? { if case .scalar(let value) = self { return value }; return nil }
    var items: [YAMLNode] { if case .list(let items) = self { return items }; return [] }
}

struct MiniYAML {
    struct Line { var indent: Int; var text: String; var number: Int }
    struct Failure: Error, CustomStringConvertible { var description: String }
    var lines: [Line]
    var position = 0
    let raw: [String]

    init(_ source: String) {
        raw = source.components(separatedBy: "\n")
        lines = raw.enumerated().compactMap { number, line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return nil }
            return Line(indent: line.prefix { $0 == " " }.count, text: trimmed, number: number)
        }
    }

    static func parse(_ source: String) throws -> YAMLNode {
        var parser = MiniYAML(source)
        guard let first = parser.lines.first else { throw Failure(description: "empty document") }
        let node = try parser.block(indent: first.indent)
        guard parser.position == parser.lines.count else { throw Failure(description: "line \(parser.lines[parser.position].number + 1): unexpected indentation") }
        return node
    }

    mutating func block(indent: Int) throws -> YAMLNode {
        guard position < lines.count else { return .scalar("") }
        return lines[position].text.hasPrefix("- ") ? try list(indent: indent) : try map(indent: indent)
    }

    mutating func list(indent: Int) throws -> YAMLNode {
        var items = [YAMLNode]()
        while position < lines.count, lines[position].indent == indent, lines[position].text.hasPrefix("- ") {
            let line = lines[position]
            let rest = String(line.text.dropFirst(2))
            if rest.contains(": ") || rest.hasSuffix(":") {
                // An item that is a map: its first key sits after the dash, the others two columns in.
                lines[position] = Line(indent: indent + 2, text: rest, number: line.number)
                items.append(try map(indent: indent + 2))
            } else if rest == "|" {
                position += 1
                items.append(blockScalar(below: indent))
            } else {
                position += 1
                items.append(try Self.scalar(rest, line: line.number))
            }
        }
        return .list(items)
    }

    /// The raw lines indented deeper than `indent` (a `|` block), joined.
    mutating func blockScalar(below indent: Int) -> YAMLNode {
        let start = position
        while position < lines.count, lines[position].indent > indent { position += 1 }
        let first = start < lines.count ? lines[start].number : raw.count
        let end = position < lines.count ? lines[position].number : raw.count
        return .scalar(raw[first..<end].joined(separator: "\n"))
    }

    mutating func map(indent: Int) throws -> YAMLNode {
        var entries = [String: YAMLNode]()
        while position < lines.count, lines[position].indent == indent {
            let line = lines[position]
            guard let colon = line.text.range(of: ":"), !line.text.hasPrefix("- ") else {
                throw Failure(description: "line \(line.number + 1): expected 'key: value'")
            }
            let key = String(line.text[..<colon.lowerBound])
            let value = line.text[colon.upperBound...].trimmingCharacters(in: .whitespaces)
            guard entries[key] == nil else { throw Failure(description: "line \(line.number + 1): duplicate key \(key)") }
            position += 1
            if value == "|" {
                entries[key] = blockScalar(below: indent)
            } else if value.isEmpty {
                guard position < lines.count, lines[position].indent > indent
                        || (lines[position].indent == indent && lines[position].text.hasPrefix("- ")) else {
                    entries[key] = .scalar("")
                    continue
                }
                entries[key] = try block(indent: lines[position].indent)
            } else {
                entries[key] = try Self.scalar(value, line: line.number)
            }
        }
        return .map(entries)
    }

    static func scalar(_ text: String, line: Int) throws -> YAMLNode {
        if text.hasPrefix("[") {
            guard text.hasSuffix("]") else { throw Failure(description: "line \(line + 1): unclosed flow list") }
            let inner = text.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
            if inner.isEmpty { return .list([]) }
            return .list(try inner.components(separatedBy: ",").map { try scalar($0.trimmingCharacters(in: .whitespaces), line: line) })
        }
        if text.hasPrefix("\"") {
            guard text.count >= 2, text.hasSuffix("\"") else { throw Failure(description: "line \(line + 1): unclosed quote") }
            return .scalar(String(text.dropFirst().dropLast()))
        }
        if text.hasPrefix("{") || text.hasPrefix("&") || text.hasPrefix("*") || text.hasPrefix("'") {
            throw Failure(description: "line \(line + 1): outside the subset the tests read")
        }
        return .scalar(text)
    }
}

/// deploy/kubernetes: the fields Loupe relies on in the Indexed Job, the merge Job and the CronJob.
final class KubernetesManifestTests: XCTestCase {
    let folder = fixturesDirectory.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("deploy/kubernetes")

    func manifest(_ name: String) throws -> YAMLNode {
        try MiniYAML.parse(try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8))
    }

    /// The shard count given to Loupe: `--shards N` in a command or `shards=N` in a script.
    func shardCount(_ container: YAMLNode) -> Int? {
        let words = (container["command"]?.items ?? []).compactMap(\.text) + (container["args"]?.items ?? []).compactMap(\.text)
        if let flag = words.firstIndex(of: "--shards"), flag + 1 < words.count { return Int(words[flag + 1]) }
        for script in words {
            for line in script.split(separator: "\n") where line.trimmingCharacters(in: .whitespaces).hasPrefix("shards=") {
                return Int(line.trimmingCharacters(in: .whitespaces).dropFirst("shards=".count))
            }
        }
        return nil
    }

    /// Pods mount the shared claim at /data, where the config lives.
    func assertSharedVolume(_ pod: YAMLNode, file: StaticString = #filePath, line: UInt = #line) throws {
        let volume = try XCTUnwrap(pod["volumes"]?[0], file: file, line: line)
        XCTAssertNotNil(volume["persistentVolumeClaim"]?["claimName"]?.text, file: file, line: line)
        for container in (pod["containers"]?.items ?? []) + (pod["initContainers"]?.items ?? []) {
            let mount = try XCTUnwrap(container["volumeMounts"]?[0], file: file, line: line)
            XCTAssertEqual(mount["name"], volume["name"], file: file, line: line)
            XCTAssertEqual(mount["mountPath"]?.text, "/data", file: file, line: line)
        }
    }

    func testIndexedJobRunsOneShardPerIndex() throws {
        let job = try manifest("loupe-shards-job.yaml")
        XCTAssertEqual(job["apiVersion"]?.text, "batch/v1")
        XCTAssertEqual(job["kind"]?.text, "Job")
        let spec = try XCTUnwrap(job["spec"])
        XCTAssertEqual(spec["completionMode"]?.text, "Indexed")
        let completions = try XCTUnwrap(spec["completions"]?.text.flatMap { Int($0) })
        let parallelism = try XCTUnwrap(spec["parallelism"]?.text.flatMap { Int($0) })
        XCTAssertTrue((1...completions).contains(parallelism))
        let pod = try XCTUnwrap(spec["template"]?["spec"])
        XCTAssertEqual(pod["restartPolicy"]?.text, "Never")
        let container = try XCTUnwrap(pod["containers"]?[0])
        let command = (container["command"]?.items ?? []).compactMap(\.text)
        XCTAssertEqual(Array(command.prefix(2)), ["loupe", "run"])
        XCTAssertFalse(command.contains("--shard"), "the index comes from JOB_COMPLETION_INDEX")
        XCTAssertEqual(shardCount(container), completions, "--shards must equal completions")
        try assertSharedVolume(pod)
    }

    func testMergeJobWaitsForEveryShard() throws {
        let shards = try XCTUnwrap(try manifest("loupe-shards-job.yaml")["spec"]?["completions"]?.text)
        let job = try manifest("loupe-merge-job.yaml")
        XCTAssertEqual(job["kind"]?.text, "Job")
        let pod = try XCTUnwrap(job["spec"]?["template"]?["spec"])
        let command = (pod["containers"]?[0]?["command"]?.items ?? []).compactMap(\.text)
        XCTAssertEqual(Array(command.prefix(2)), ["loupe", "merge"])
        let wait = (pod["initContainers"]?[0]?["args"]?.items ?? []).compactMap(\.text).joined()
        XCTAssertTrue(wait.contains("-of-\(shards).loupeshard") && wait.contains("-ge \(shards)"), wait)
        try assertSharedVolume(pod)
    }

    func testCronJobShardsThenMerges() throws {
        let cron = try manifest("loupe-nightly-cronjob.yaml")
        XCTAssertEqual(cron["kind"]?.text, "CronJob")
        XCTAssertEqual(cron["spec"]?["schedule"]?.text?.split(separator: " ").count, 5)
        XCTAssertEqual(cron["spec"]?["concurrencyPolicy"]?.text, "Forbid")
        let job = try XCTUnwrap(cron["spec"]?["jobTemplate"]?["spec"])
        XCTAssertEqual(job["completionMode"]?.text, "Indexed")
        let container = try XCTUnwrap(job["template"]?["spec"]?["containers"]?[0])
        let shards = try XCTUnwrap(shardCount(container))
        XCTAssertEqual(job["completions"]?.text, "\(shards + 1)", "N shards and one merger")
        XCTAssertEqual(job["parallelism"]?.text, "\(shards + 1)", "the waiting merger must not hold back a shard")
        let script = (container["args"]?.items ?? []).compactMap(\.text).joined()
        XCTAssertTrue(script.contains("loupe run /data/config.json --shards \"$shards\"") && script.contains("loupe merge"), script)
        try assertSharedVolume(try XCTUnwrap(job["template"]?["spec"]))
    }

    /// The reader refuses what it does not understand, so a manifest outside the subset fails loudly.
    func testReaderRefusesOutsideItsSubset() {
        XCTAssertThrowsError(try MiniYAML.parse("a: {b: 1}"))
        XCTAssertThrowsError(try MiniYAML.parse("a: 1\na: 2"))
        XCTAssertThrowsError(try MiniYAML.parse("a: 1\n  b: 2"))
        XCTAssertEqual(try MiniYAML.parse("a:\n  - x: 1\n    y: [\"p\", q]\n  - z\n"),
                       .map(["a": .list([.map(["x": .scalar("1"), "y": .list([.scalar("p"), .scalar("q")])]), .scalar("z")])]))
    }
}
