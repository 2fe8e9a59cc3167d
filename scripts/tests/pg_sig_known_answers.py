#!/usr/bin/env python3
"""Independent pg_sig known answers for Tests/MerchantAPITests (pinned there as literals).

Written from Freedom Pay's "Signature generation" text, not from the Swift code: the script
name, the values sorted by field name (Python's stable sort keeps repeated names in order),
the secret, joined with ';', MD5 lower-case hex. Nested form fields are parsed into ordered
dicts the way PHP builds arrays from `a[b][c]`, and nested messages are flattened as the
PHP helper the pages' examples call does: name + sprintf('%03d', position), recursively,
then sorted. Forms are read with urllib.parse, XML with xml.etree.ElementTree.

    python3 scripts/tests/pg_sig_known_answers.py
"""
import hashlib
import re
import urllib.parse
import xml.etree.ElementTree as ET

SECRET = "UnQ4Zxd3eRk7Vn9L"


def php_tree(pairs):
    """[(name, value)] -> ordered nested dict, PHP style (`a[b][c]`)."""
    root = {}
    for name, value in pairs:
        m = re.match(r"^([^\[]+)((?:\[[^\]]+\])*)$", name)
        keys = [m.group(1)] + re.findall(r"\[([^\]]+)\]", m.group(2))
        node = root
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value
    return root


def flatten(tree, parent=""):
    out = []
    for i, (key, val) in enumerate(tree.items(), start=1):
        name = parent + key + "%03d" % i
        if isinstance(val, dict):
            out += flatten(val, name)
        else:
            out.append((name, val))
    return out


def sig_from_pairs(script, pairs):
    """Flat: sort by name; any nesting: the helper's flatten, then sort."""
    pairs = [(n, v) for n, v in pairs if n != "pg_sig"]
    if any("[" in n for n, _ in pairs):
        flat = flatten(php_tree(pairs))
    else:
        flat = pairs
    flat = sorted(flat, key=lambda p: p[0].encode())
    text = ";".join([script] + [v for _, v in flat] + [SECRET])
    return text, hashlib.md5(text.encode()).hexdigest()


def xml_entries(element):
    return [(c.tag, xml_entries(c) if len(c) else (c.text or "")) for c in element]


def xml_flatten(entries, parent=""):
    out = []
    for i, (tag, val) in enumerate(entries, start=1):
        name = parent + tag + "%03d" % i
        out += xml_flatten(val, name) if isinstance(val, list) else [(name, val)]
    return out


def sig_from_xml(script, document):
    root = ET.fromstring(document.encode())
    entries = [e for e in xml_entries(root) if e[0] != "pg_sig"]
    if any(isinstance(v, list) for _, v in entries):
        flat = xml_flatten(entries)
    else:
        flat = entries
    flat = sorted(flat, key=lambda p: p[0].encode())
    text = ";".join([script] + [v for _, v in flat] + [SECRET])
    return text, hashlib.md5(text.encode()).hexdigest()


CASES = {
    "flat_init_payment": ("init_payment.php", urllib.parse.parse_qsl(
        "pg_order_id=23&pg_merchant_id=552170&pg_amount=25&pg_description=test&pg_salt=molbulak")),
    "flat_repeated_utf8": ("get_status3.php", urllib.parse.parse_qsl(
        "pg_merchant_id=552170&pg_payment_id=123456789&note=%D0%B7%D0%B0%D0%BA%D0%B0%D0%B7+1&note=second&pg_salt=abc")),
    "nested_receipt": ("init_payment.php", urllib.parse.parse_qsl(
        "pg_order_id=00102&pg_merchant_id=552170&pg_amount=2500"
        "&pg_receipt_positions[0][count]=2&pg_receipt_positions[0][name]=Mouse+pad"
        "&pg_receipt_positions[0][tax_type]=0&pg_receipt_positions[0][price]=1000"
        "&pg_description=Ticket"
        "&pg_receipt_positions[1][count]=1&pg_receipt_positions[1][name]=Cable"
        "&pg_receipt_positions[1][tax_type]=0&pg_receipt_positions[1][price]=500"
        "&pg_salt=s4lt")),
}

XML_CASES = {
    "xml_flat_answer": ("init_payment.php",
        '<?xml version="1.0" encoding="utf-8"?>\n<response><pg_status>ok</pg_status>'
        "<pg_payment_id>4567788</pg_payment_id>"
        "<pg_redirect_url>https://sandbox.invalid/pay.html?customer=49&amp;x=&lt;1&gt;</pg_redirect_url>"
        "<pg_redirect_url_type>need data</pg_redirect_url_type><pg_salt>bdwLavL9lg6It91b</pg_salt>"
        "<pg_sig>0</pg_sig></response>"),
    "xml_nested_status": ("get_status3.php",
        '<?xml version="1.0" encoding="utf-8"?>\n<response>\n  <pg_status>ok</pg_status>\n'
        "  <pg_payment_id>123456789</pg_payment_id>\n  <pg_amount>10</pg_amount>\n"
        "  <pg_refund_payments>\n    <pg_refund_payment>\n      <pg_payment_id>123456790</pg_payment_id>\n"
        "      <pg_amount>-4</pg_amount>\n    </pg_refund_payment>\n    <pg_refund_payment>\n"
        "      <pg_payment_id>123456791</pg_payment_id>\n      <pg_amount>-6</pg_amount>\n"
        "    </pg_refund_payment>\n  </pg_refund_payments>\n  <pg_salt>some random string</pg_salt>\n"
        "  <pg_sig>0</pg_sig>\n</response>"),
}

if __name__ == "__main__":
    for name, (script, pairs) in CASES.items():
        text, digest = sig_from_pairs(script, pairs)
        print(f"{name}\n  {text!r}\n  {digest}")
    for name, (script, document) in XML_CASES.items():
        text, digest = sig_from_xml(script, document)
        print(f"{name}\n  {text!r}\n  {digest}")
