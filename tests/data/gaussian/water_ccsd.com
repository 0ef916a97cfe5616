%chk=water_ccsd
#P CCSD/STO-3G

Water

0 1
O
H 1 R1
H 1 R1 2 A1

R1=0.99
A1=106.0
