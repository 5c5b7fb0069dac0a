import Foundation
import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Hostile and broken models are refused with one line naming the file and the offending node or tensor.
final class HostileModelTests: XCTestCase {
    func testEveryHostileModelIsRefusedWithANamedOneLineError() throws {
        let cases = try Fixtures.cases("hostile")
        XCTAssertGreaterThanOrEqual(cases.count, 11)
        for fixture in cases {
            let path = Fixtures.path("hostile", fixture.model)
            do {
                _ = try Model(path: path)
                XCTFail("\(fixture.name): loaded without error")
            } catch let error as LoupeError {
                let message = error.description
                XCTAssertFalse(message.contains("\n"), "\(fixture.name): multi-line message")
                XCTAssertTrue(message.contains(fixture.model), "\(fixture.name): message does not name the file: \(message)")
                if let expect = fixture.expect {
                    XCTAssertTrue(message.contains(expect), "\(fixture.name): '\(message)' lacks '\(expect)'")
                }
                for expect in fixture.expectAll ?? [] {
                    XCTAssertTrue(message.contains(expect), "\(fixture.name): '\(message)' lacks '\(expect)'")
                }
                if let any = fixture.expectAny {
                    XCTAssertTrue(any.contains { message.contains($0) }, "\(fixture.name): '\(message)' lacks any of \(any)")
                }
                XCTAssertNotEqual(error.kind, .computation, fixture.name)
            } catch {
                XCTFail("\(fixture.name): untyped error \(error)")
            }
        }
    }
}
