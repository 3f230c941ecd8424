@testable import Connectors
import Testing

/// The OWASP CSV-injection rule in the one function every CSV CRMHub writes goes through.
@Suite("CSV cells: formula injection")
struct CSVFormulaInjectionTests {
    @Test("a text cell starting with a formula starter gets a leading quote, then RFC 4180 quoting", arguments: [
        ("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "\"'\rx\""),
        ("\r\nx", "\"'\r\nx\""),
        ("-1500.00", "'-1500.00"),
    ])
    func protectedText(text: String, field: String) {
        #expect(CSVText.field(.text(text)) == field)
        #expect(CSVText.rows(CSVText.line([.text(text), .text("end")])) == [["'" + text, "end"]])
        #expect(CSVText.unprotected(CSVText.protected(text)) == text)
    }

    @Test("ordinary text and numbers are written as before")
    func plainCells() {
        #expect(CSVText.line([.text("ООО «Ромашка», Ташкент"), .text("say \"hi\""), .text("plain"), .text("a'b")])
                    == "\"ООО «Ромашка», Ташкент\",\"say \"\"hi\"\"\",plain,a'b\r\n")
        #expect(CSVText.line([.number("-1500.00"), .number("42"), .number("0.5"), .text("")]) == "-1500.00,42,0.5,\r\n")
    }

    @Test("a number cell that is not a plain decimal is protected like text", arguments: ["=1+1", "-1e3", "--5", "-"])
    func mislabelledNumber(text: String) {
        #expect(CSVText.field(.number(text)) == CSVText.field(.text(text)))
        #expect(CSVText.field(.number(text)).hasPrefix("'"))
    }

    @Test("reading back drops only the quote the writer added")
    func unprotected() {
        #expect(CSVText.unprotected("'-") == "-")
        #expect(CSVText.unprotected("'+") == "+")
        #expect(CSVText.unprotected("'quoted'") == "'quoted'")
        #expect(CSVText.unprotected("confirm") == "confirm")
    }
}
