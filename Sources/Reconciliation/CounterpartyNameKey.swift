import Foundation

/// A company name reduced for comparison, as `core.name_key` does in the warehouse (migration 0005): case,
/// quotes, legal forms and punctuation dropped, Cyrillic spelled in Latin. `"ORZU SAVDO" MChJ` and
/// `ООО «Орзу Савдо»` both give `orzusavdo`.
///
/// Written here as well as in SQL because the engine needs it per line for a third party's payment ("за ООО
/// …" in the purpose names whom it pays for), and a round trip per line would cost more than the match.
enum CounterpartyNameKey {
    private static let legalForms: Set<String> = [
        "mchj", "ooo", "oao", "zao", "pao", "ao", "aj", "xk", "chp", "yatt", "ip", "llc", "ltd", "ojsc", "jsc", "qk",
        "mchzh",
    ]
    private static let latin: [Character: String] = [
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "з": "z", "и": "i", "й": "j",
        "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
        "ф": "f", "х": "x", "ц": "c", "ы": "y", "э": "e", "ў": "o", "қ": "q", "ғ": "g", "ҳ": "h", "ж": "zh",
        "ч": "ch", "ш": "sh", "щ": "sh", "ю": "yu", "я": "ya",
    ]

    /// The words of `text`, transliterated and lowercased, split on everything that is not a letter or digit.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var word = ""
        for character in text.lowercased() {
            if let spelled = latin[character] {
                word += spelled
            } else if character.isASCII, character.isLetter || character.isNumber {
                word.append(character)
            } else if character == "ъ" || character == "ь" {
                continue
            } else if !word.isEmpty {
                words.append(word)
                word = ""
            }
        }
        if !word.isEmpty { words.append(word) }
        return words
    }

    /// The key of a name: its words without legal forms, joined.
    static func key(_ name: String) -> String {
        words(name).filter { !legalForms.contains($0) }.joined()
    }
}
