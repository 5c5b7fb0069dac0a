import Foundation
@testable import LoupePipeline
import LoupeTestSupport
import XCTest

/// `config.schema.json`'s `sections` object is generated from every registered section's options, and the
/// reader accepts, and really reads, every key the schema lists.
///
/// After changing a section's options: `LOUPE_UPDATE_SCHEMA=1 swift test --filter ConfigSchemaTests` rewrites the file.
final class ConfigSchemaTests: XCTestCase {
    var schemaURL: URL {
        fixturesDirectory.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("config.schema.json")
    }

    func testCommittedSchemaIsGeneratedFromTheRegisteredOptions() throws {
        let committed = try String(contentsOf: schemaURL, encoding: .utf8)
        let regenerated = try XCTUnwrap(ConfigSchema.replacingSections(in: committed), "config.schema.json has no \"sections\" object")
        if ProcessInfo.processInfo.environment["LOUPE_UPDATE_SCHEMA"] == "1" {
            try regenerated.write(to: schemaURL, atomically: true, encoding: .utf8)
            return
        }
        XCTAssertEqual(regenerated, committed,
                       "config.schema.json is stale: run LOUPE_UPDATE_SCHEMA=1 swift test --filter ConfigSchemaTests")
        // The file stays valid JSON and its sections are exactly the registered ones, each with its options' keys.
        guard case .object(let root) = try JSONValue.parse(Data(regenerated.utf8)) else { return XCTFail("not an object") }
        let sections = try XCTUnwrap(node(.object(root), ["properties", "jobs", "items", "properties", "sections", "properties"]))
        guard case .object(let entries) = sections else { return XCTFail("sections.properties is not an object") }
        XCTAssertEqual(entries.keys.sorted(), LoupeConfig.sectionNames.sorted())
        func keys<S: ReportSection>(_ section: S.Type) throws {
            let properties = node(entries[S.name], ["oneOf"]).flatMap { value -> JSONValue? in
                guard case .array(let options) = value, options.count == 2 else { return nil }
                return node(options[1], ["properties"])
            }
            guard case .object(let listed)? = properties else { return XCTFail("\(S.name): no options object") }
            XCTAssertEqual(listed.keys.sorted(), S.Options.keyNames.sorted(), S.name)
        }
        for section in SectionRegistry.all { try keys(section) }
    }

    /// For every key of every section: its schema default reads back as the options' default, and another
    /// allowed value reads without a problem and changes the options (so the reader really reads the key).
    func testEverySectionReadsEveryKeyItsSchemaLists() throws {
        var checked = 0
        // `baseline` names a file that must exist.
        let samples: [String: JSONValue] = ["robustness.baseline": .string(schemaURL.path)]
        func check<S: ReportSection>(_ section: S.Type) {
            for key in S.Options.keys {
                let path = "jobs[0].sections.\(S.name)"
                let schema = entries(key.schema)
                if let value = schema["default"] {
                    let reader = ConfigReader(file: "c.json")
                    let options = S.Options.read(.object([key.name: json(value)]), path, reader: reader, folder: "/")
                    XCTAssertEqual(reader.problems, [], "\(S.name).\(key.name): default")
                    XCTAssertEqual(options, S.Options(), "\(S.name).\(key.name): the schema's default is not the options' default")
                }
                guard let other = samples["\(S.name).\(key.name)"] ?? otherValue(schema) else {
                    XCTFail("\(S.name).\(key.name): no sample value")
                    continue
                }
                let reader = ConfigReader(file: "c.json")
                let options = S.Options.read(.object([key.name: other]), path, reader: reader, folder: "/")
                XCTAssertEqual(reader.problems, [], "\(S.name).\(key.name) = \(other)")
                XCTAssertNotEqual(options, S.Options(), "\(S.name).\(key.name) = \(other) is accepted but not read")
                checked += 1
            }
        }
        for section in SectionRegistry.all { check(section) }
        XCTAssertGreaterThan(checked, 60)
    }

    /// Integer keys: the schema's `minimum` and `maximum` are read, one beyond either is refused with the key's path.
    func testIntegerRangesAreTheSchemas() throws {
        var checked = 0
        func check<S: ReportSection>(_ section: S.Type) {
            for key in S.Options.keys {
                let schema = entries(key.schema)
                guard schema["type"] == .string("integer"), let low = number(schema["minimum"]) else { continue }
                var values: [(Double, Bool)] = [(low, true), (low - 1, false)]
                if let high = number(schema["maximum"]) { values += [(high, true), (high + 1, false)] }
                for (value, accepted) in values {
                    let reader = ConfigReader(file: "c.json")
                    _ = S.Options.read(.object([key.name: .number(value)]), "s", reader: reader, folder: "/")
                    XCTAssertEqual(reader.problems.isEmpty, accepted, "\(S.name).\(key.name) = \(value): \(reader.problems)")
                    if !accepted { XCTAssertTrue(reader.problems.first?.hasPrefix("s.\(key.name)") == true, "\(reader.problems)") }
                }
                checked += 1
            }
        }
        for section in SectionRegistry.all { check(section) }
        XCTAssertGreaterThan(checked, 25)
    }

    /// A value the schema allows that differs from its default.
    func otherValue(_ schema: [String: SchemaValue]) -> JSONValue? {
        let type: String? = { if case .string(let t)? = schema["type"] { return t }; return nil }()
        let minimum = number(schema["minimum"]), maximum = number(schema["maximum"]), fallback = number(schema["default"])
        switch type {
        case "boolean":
            if case .bool(let flag)? = schema["default"] { return .bool(!flag) }
            return .bool(false)
        case "integer":
            let low = minimum ?? 1, high = maximum ?? low + 10
            let candidate = fallback == low ? min(low + 1, high) : low
            return .number(candidate)
        case "number":
            let base = fallback ?? 0.25
            var candidate = base == 0 ? 0.5 : base / 2
            if let low = minimum, candidate < low { candidate = low }
            return .number(candidate)
        case "string":
            return .string("value")
        case "array":
            guard case .object(let itemEntries)? = schema["items"] else { return nil }
            let items = Dictionary(itemEntries, uniquingKeysWith: { a, _ in a })
            if case .array(let names)? = items["enum"], let last = names.last { return .array([json(last)]) }
            if case .string("string")? = items["type"] { return .array([.string("value")]) }
            if case .string("integer")? = items["type"] { return .array([.number(number(items["minimum"]) ?? 1)]) }
            return nil
        default:
            if case .array(let names)? = schema["enum"], let last = names.last { return json(last) }
            if case .array(let options)? = schema["oneOf"] {
                // `true`/`false` or an object: the flipped default of its `enabled` key, else `false`.
                if options.contains(where: { entries($0)["type"] == .string("boolean") }) { return .bool(false) }
                return .string("all")
            }
            return nil
        }
    }

    func entries(_ value: SchemaValue) -> [String: SchemaValue] {
        guard case .object(let pairs) = value else { return [:] }
        return Dictionary(pairs, uniquingKeysWith: { a, _ in a })
    }

    func number(_ value: SchemaValue?) -> Double? {
        switch value {
        case .integer(let v)?: return Double(v)
        case .number(let v)?: return v
        default: return nil
        }
    }

    func json(_ value: SchemaValue) -> JSONValue {
        switch value {
        case .string(let v): return .string(v)
        case .integer(let v): return .number(Double(v))
        case .number(let v): return .number(v)
        case .bool(let v): return .bool(v)
        case .array(let items): return .array(items.map(json))
        case .object(let pairs): return .object(Dictionary(pairs.map { ($0.0, json($0.1)) }, uniquingKeysWith: { a, _ in a }))
        }
    }

    func node(_ value: JSONValue?, _ path: [String]) -> JSONValue? {
        var current = value
        for key in path {
            guard case .object(let object)? = current else { return nil }
            current = object[key]
        }
        return current
    }
}
