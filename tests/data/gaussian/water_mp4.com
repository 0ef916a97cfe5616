%chk=water_mp4
#P MP4/STO-3G Pop=Full

Water

0 1
O
H 1 R1
H 1 R1 2 A1

R1=0.99
A1=106.0
