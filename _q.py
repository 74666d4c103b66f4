import sys
from service.settings import Settings
from service.runtime import build_runtime
s=Settings(); s.store.path='/work/lifecycle-real-index'
rt=build_runtime(s); qa=rt.qa
for q in sys.stdin.read().splitlines():
    if not q.strip(): continue
    o=qa.ask(q)
    print(q,'->',o.answer.text[:200], o.answer.refused, [c.ref for c in o.answer.citations])
