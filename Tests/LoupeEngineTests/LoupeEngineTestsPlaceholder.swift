import XCTest
final class LoupeEngineTestsPlaceholder: XCTestCase { func testBuilds() {} }
