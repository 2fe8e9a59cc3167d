"""Every known answer scripts/tests/pg_sig_known_answers.py computes is the one pinned in
Tests/MerchantAPITests/PGSignatureTests.swift, so the Swift literals cannot drift from the
independent implementation they were taken from.

    python3 -m unittest discover -s scripts/tests -v
"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import pg_sig_known_answers as answers  # noqa: E402

PINNED = os.path.join(ROOT, "Tests", "MerchantAPITests", "PGSignatureTests.swift")


class KnownAnswersArePinned(unittest.TestCase):
    def setUp(self):
        with open(PINNED, encoding="utf-8") as source:
            self.swift = source.read()

    def test_the_docs_flat_example_layout(self):
        # "Signature generation": init_payment.php;25;test;{merchant};23;molbulak;{secret}
        text, _ = answers.sig_from_pairs(*answers.CASES["flat_init_payment"])
        self.assertEqual(text, "init_payment.php;25;test;552170;23;molbulak;" + answers.SECRET)

    def test_every_case_is_pinned_in_swift(self):
        cases = [answers.sig_from_pairs(*case) for case in answers.CASES.values()]
        cases += [answers.sig_from_xml(*case) for case in answers.XML_CASES.values()]
        self.assertEqual(len(cases), 5)
        for text, digest in cases:
            with self.subTest(text=text):
                self.assertIn('== "%s"' % digest, self.swift)
                self.assertIn('"%s"' % text, self.swift)


if __name__ == "__main__":
    unittest.main()
