import XCTest
final class LoupeReportTestsPlaceholder: XCTestCase { func testBuilds() {} }
